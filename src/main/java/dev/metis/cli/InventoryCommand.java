package dev.metis.cli;

import dev.metis.assets.AssetProbe;
import dev.metis.assets.AssetReport;
import dev.metis.assets.AssetRoots;
import dev.metis.card.CardMaker;
import dev.metis.card.image.GoldenImages;
import dev.metis.identity.IdentityRenderer;
import dev.metis.identity.PhoneHomeKeys;
import dev.metis.inventory.InvalidInputException;
import dev.metis.inventory.Inventory;
import dev.metis.inventory.Problem;
import dev.metis.inventory.ResolvedNode;
import dev.metis.secrets.FileSecretSource;
import dev.metis.secrets.SecretSource;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "inventory", mixinStandardHelpOptions = true, description = "Work with the inventory file.",
        subcommands = InventoryCommand.Check.class)
final class InventoryCommand {

    /** {@code check --strict} found a valid inventory whose nodes miss files: not an input error, not fine either. */
    static final int ASSETS_MISSING = 3;

    @Command(name = "check", mixinStandardHelpOptions = true,
            description = {"Validate the inventory and its secrets and render every node; list every problem.",
                    "Then look at the files the nodes need (kernels and initrds, golden images) and warn about each "
                            + "one missing or wrong; these warnings fail the check only with --strict."},
            exitCodeListHeading = "Exit codes:%n",
            exitCodeList = {"0:valid (asset warnings, if any, are printed)", "1:invalid inventory or secrets",
                    "2:usage error", "3:with --strict: valid, but files the nodes need are missing or wrong"})
    static final class Check implements Callable<Integer> {

        @Mixin
        InventoryOptions options;

        @Spec
        CommandSpec spec;

        @Option(names = "--boot-assets", paramLabel = "DIR", defaultValue = "boot-assets",
                description = "Where serve's --boot-assets are: kernels and initrds given by path (default: ${DEFAULT-VALUE}).")
        Path bootAssets;

        @Option(names = "--state-dir", paramLabel = "DIR", defaultValue = "${env:METIS_STATE_DIR:-/var/lib/metis}",
                description = "serve's state directory, only read: kernels and initrds given by url are looked for in "
                        + "its fetched/ (default: ${DEFAULT-VALUE}).")
        Path stateDir;

        @Option(names = "--cache", paramLabel = "DIR", defaultValue = "${env:METIS_CACHE_DIR}",
                description = "Golden image cache, as plan, image and burn use it (default: $METIS_CACHE_DIR, else "
                        + "$XDG_CACHE_HOME/metis/images or ~/.cache/metis/images).")
        Path cache;

        @Option(names = "--strict", description = "Exit with 3 when a file the nodes need is missing or wrong.")
        boolean strict;

        @Override
        public Integer call() throws java.io.IOException {
            return Problems.reporting(spec, () -> {
                Inventory inventory = options.load();
                Map<String, Integer> byClass = new LinkedHashMap<>();
                try (SecretSource secrets = options.secrets(inventory)) {
                    List<Problem> problems = new ArrayList<>();
                    if (secrets instanceof FileSecretSource file) {
                        problems.addAll(file.unknownNodes(inventory.nodes().stream().map(ResolvedNode::name)
                                .collect(Collectors.toSet())));
                    }
                    if (!problems.isEmpty()) {
                        throw new InvalidInputException(problems);
                    }
                    IdentityRenderer renderer = new IdentityRenderer(inventory.site(), PhoneHomeKeys.REDACTED);
                    for (ResolvedNode node : inventory.nodes()) {
                        renderer.render(node, secrets.secretsFor(node));
                        byClass.merge(node.nodeClass(), 1, Integer::sum);
                    }
                }
                AssetReport assets = checkAssets(inventory);
                String summary = "%s: site %s, %d nodes %s (%s)".formatted(inventory.file(), inventory.site().name(),
                        inventory.nodes().size(), assets.problems().isEmpty() ? "ok" : "valid", byClass.entrySet().stream()
                                .map(e -> e.getKey() + " " + e.getValue()).collect(Collectors.joining(", ")));
                if (assets.problems().isEmpty()) {
                    spec.commandLine().getOut().println(summary);
                    return 0;
                }
                int warnings = assets.problems().size();
                spec.commandLine().getOut().println(summary + "; " + warnings + (warnings == 1 ? " warning" : " warnings")
                        + " about files the nodes need" + (strict ? "" : " (--strict fails on them)"));
                return strict ? ASSETS_MISSING : 0;
            });
        }

        /** Prints a warning for each file missing or wrong, and a note for each found by URL saying how. */
        private AssetReport checkAssets(Inventory inventory) {
            AssetRoots roots = new AssetRoots(bootAssets, AssetRoots.fetchedIn(stateDir),
                    cache != null ? cache : GoldenImages.defaultCacheDir());
            AssetReport report = AssetProbe.once(roots, CardMaker::seedPlaceProblem).check(inventory);
            report.notes().forEach(note -> spec.commandLine().getOut().println(note.pos() + ": note: " + note));
            report.problems().forEach(problem -> spec.commandLine().getErr().println(problem.pos() + ": warning: " + problem));
            return report;
        }
    }
}
