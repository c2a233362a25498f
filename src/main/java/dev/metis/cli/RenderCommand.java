package dev.metis.cli;

import dev.metis.identity.Artifact;
import dev.metis.identity.IdentityRenderer;
import dev.metis.identity.PhoneHomeKeys;
import dev.metis.state.SiteKeyFile;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Iterator;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "render", mixinStandardHelpOptions = true,
        description = "Print exactly what a node receives by its own delivery (secrets redacted unless "
                + "--reveal-secrets); a file the node never receives is refused with the reason.")
final class RenderCommand implements Callable<Integer> {

    @Mixin
    NodeOptions options;

    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "WHAT", completionCandidates = ArtifactNames.class,
            description = "One of: ${COMPLETION-CANDIDATES}.", converter = ArtifactConverter.class)
    Artifact artifact;

    @Option(names = "--state-dir", paramLabel = "DIR",
            description = "With --reveal-secrets: where the site key is that the node's phone-home key in user-data "
                    + "comes from, as for `serve` (default: " + StateDirectory.DEFAULT + ").")
    Path stateDir;

    @Override
    public Integer call() throws IOException {
        return Problems.reporting(spec, () -> {
            NodeOptions.Selected selected = options.select();
            Optional<String> never = IdentityRenderer.notReceived(selected.node(), artifact);
            if (never.isPresent()) {
                spec.commandLine().getErr().println("metis: " + never.get() + "; nothing to render for " + artifact);
                return Main.INVALID_INPUT;
            }
            // The phone-home key is a secret like the others: shown only when they are.
            PhoneHomeKeys keys = options.revealSecrets ? new PhoneHomeKeys(SiteKeyFile.loadOrCreate(
                    StateDirectory.resolve(stateDir, options.inventory.environment()))) : PhoneHomeKeys.REDACTED;
            System.out.write(new IdentityRenderer(selected.inventory().site(), keys)
                    .render(selected.node(), selected.shownSecrets()).bytes(artifact));
            System.out.flush();
            return 0;
        });
    }

    static final class ArtifactNames implements Iterable<String> {
        @Override
        public Iterator<String> iterator() {
            return Arrays.stream(Artifact.values()).map(Artifact::fileName).iterator();
        }
    }

    static final class ArtifactConverter implements picocli.CommandLine.ITypeConverter<Artifact> {
        @Override
        public Artifact convert(String value) {
            return Artifact.byFileName(value).orElseThrow(() -> new picocli.CommandLine.TypeConversionException(
                    "expected one of " + String.join(", ", new ArtifactNames()) + ", got '" + value + "'"));
        }
    }
}
