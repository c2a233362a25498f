package dev.metis.cli;

import dev.metis.identity.IdentityRenderer;
import dev.metis.identity.PhoneHomeKeys;
import dev.metis.inventory.InvalidInputException;
import dev.metis.inventory.Inventory;
import dev.metis.inventory.Problem;
import dev.metis.inventory.ResolvedNode;
import dev.metis.secrets.FileSecretSource;
import dev.metis.secrets.SecretSource;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "inventory", mixinStandardHelpOptions = true, description = "Work with the inventory file.",
        subcommands = InventoryCommand.Check.class)
final class InventoryCommand {

    @Command(name = "check", mixinStandardHelpOptions = true,
            description = "Validate the inventory and its secrets and render every node; list every problem.")
    static final class Check implements Callable<Integer> {

        @Mixin
        InventoryOptions options;

        @Spec
        CommandSpec spec;

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
                spec.commandLine().getOut().printf("%s: site %s, %d nodes ok (%s)%n", inventory.file(),
                        inventory.site().name(), inventory.nodes().size(), byClass.entrySet().stream()
                                .map(e -> e.getKey() + " " + e.getValue()).collect(Collectors.joining(", ")));
                return 0;
            });
        }
    }
}
