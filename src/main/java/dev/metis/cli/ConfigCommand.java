package dev.metis.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.metis.identity.ConfigView;
import dev.metis.inventory.Mappers;
import dev.metis.inventory.ResolvedNode;
import dev.metis.secrets.NodeSecrets;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "config", mixinStandardHelpOptions = true,
        description = "Print a node's merged configuration as YAML (secrets redacted unless --reveal-secrets).")
final class ConfigCommand implements Callable<Integer> {

    @Mixin
    NodeOptions options;

    @Spec
    CommandSpec spec;

    @Option(names = "--explain", description = "Show for each value which layer set it: site, a class, or the node.")
    boolean explain;

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        return Problems.reporting(spec, () -> {
            NodeOptions.Selected selected = options.select();
            ResolvedNode node = selected.node();
            if (explain) {
                printExplained(out, node, selected.shownSecrets());
            } else {
                out.print(Mappers.yaml().writeValueAsString(ConfigView.merged(node, selected.shownSecrets())));
            }
            out.flush();
            return 0;
        });
    }

    private static void printExplained(PrintWriter out, ResolvedNode node, NodeSecrets shown) throws JsonProcessingException {
        out.printf("# node %s: class chain %s%n", node.name(), String.join(" -> ", node.classChain()));
        List<ConfigView.Line> lines = ConfigView.explained(node, shown);
        int width = 0;
        for (ConfigView.Line line : lines) {
            if (line.origin() != null) {
                width = Math.max(width, Math.min(text(line).length(), 64));
            }
        }
        for (ConfigView.Line line : lines) {
            out.printf(line.origin() == null ? "%s  # %s%n" : "%-" + width + "s  # %s%n", text(line), line.source());
        }
    }

    private static String text(ConfigView.Line line) {
        return line.path() + ": " + line.value();
    }
}
