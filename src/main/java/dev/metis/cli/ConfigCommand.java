package dev.metis.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.metis.inventory.Mappers;
import dev.metis.inventory.Origin;
import dev.metis.inventory.ResolvedNode;
import dev.metis.secrets.NodeSecrets;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.Map;
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
                Map<String, Object> doc = new LinkedHashMap<>();
                doc.put("name", node.name());
                doc.put("class_chain", node.classChain());
                doc.putAll(Mappers.binding().convertValue(node.spec(), Map.class));
                Map<String, Object> secretView = selected.shownSecrets().revealedView();
                if (!secretView.isEmpty()) {
                    doc.put("secrets", secretView);
                }
                out.print(Mappers.yaml().writeValueAsString(doc));
            }
            out.flush();
            return 0;
        });
    }

    private static void printExplained(PrintWriter out, ResolvedNode node, NodeSecrets shown) throws JsonProcessingException {
        out.printf("# node %s: class chain %s%n", node.name(), String.join(" -> ", node.classChain()));
        int width = 0;
        Map<String, String> lines = new LinkedHashMap<>();
        for (Map.Entry<String, Origin> entry : node.provenance().entrySet()) {
            String line = entry.getKey() + ": " + flow(entry.getValue().value());
            lines.put(entry.getKey(), line);
            width = Math.max(width, Math.min(line.length(), 64));
        }
        for (Map.Entry<String, Origin> entry : node.provenance().entrySet()) {
            out.printf("%-" + width + "s  # %s%n", lines.get(entry.getKey()), entry.getValue());
        }
        for (Map.Entry<String, Object> secret : shown.revealedView().entrySet()) {
            out.printf("secrets.%s: %s  # %s%n", secret.getKey(), flow(secret.getValue()), "secret source");
        }
    }

    /** One-line YAML for a value: flow style for lists and maps. */
    private static String flow(Object value) throws JsonProcessingException {
        return Mappers.binding().writeValueAsString(value).replaceAll("^\"([^\"\\\\:#]*)\"$", "$1");
    }
}
