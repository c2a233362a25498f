package dev.metis.cli;

import dev.metis.identity.Artifact;
import dev.metis.identity.IdentityRenderer;
import dev.metis.inventory.InvalidInputException;
import dev.metis.inventory.Inventory;
import dev.metis.inventory.ResolvedNode;
import dev.metis.secrets.NodeSecrets;
import dev.metis.secrets.SecretSources;
import dev.metis.secrets.SecretUnavailableException;
import java.io.IOException;
import java.util.Arrays;
import java.util.Iterator;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "render", mixinStandardHelpOptions = true,
        description = "Print exactly what a node receives (secrets redacted unless --reveal-secrets).")
final class RenderCommand implements Callable<Integer> {

    @Mixin
    InventoryOptions options;

    @Spec
    CommandSpec spec;

    @Option(names = "--node", required = true, paramLabel = "NAME", description = "Node name or MAC address.")
    String nodeName;

    @Option(names = "--reveal-secrets", description = "Render real secret values instead of <redacted>.")
    boolean revealSecrets;

    @Parameters(paramLabel = "WHAT", completionCandidates = ArtifactNames.class,
            description = "One of: ${COMPLETION-CANDIDATES}.", converter = ArtifactConverter.class)
    Artifact artifact;

    @Override
    public Integer call() throws IOException {
        try {
            Inventory inventory = options.load();
            ResolvedNode node = InventoryOptions.node(inventory, nodeName);
            NodeSecrets secrets = SecretSources.forInventory(inventory).secretsFor(node);
            byte[] bytes = new IdentityRenderer(inventory.site())
                    .render(node, revealSecrets ? secrets : secrets.redacted()).bytes(artifact);
            System.out.write(bytes);
            System.out.flush();
            return 0;
        } catch (InvalidInputException e) {
            return Problems.print(spec, e);
        } catch (SecretUnavailableException e) {
            spec.commandLine().getErr().println("metis: " + e.getMessage());
            return Main.INVALID_INPUT;
        }
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
