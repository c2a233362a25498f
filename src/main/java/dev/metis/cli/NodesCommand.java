package dev.metis.cli;

import dev.metis.identity.IdentityException;
import dev.metis.identity.IdentityRenderer;
import dev.metis.identity.PhoneHomeKeys;
import dev.metis.inventory.InvalidInputException;
import dev.metis.inventory.Inventory;
import dev.metis.inventory.ResolvedNode;
import dev.metis.inventory.SchemaCheck;
import dev.metis.net.MacAddress;
import dev.metis.state.DiscoveredMac;
import dev.metis.state.NodeEvent;
import dev.metis.state.NodeState;
import dev.metis.state.NodeStates;
import dev.metis.state.NodeStatus;
import dev.metis.state.StateStore;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "nodes", mixinStandardHelpOptions = true,
        description = {"Show each node's state, last sighting and config drift; with NAME, one node and its recent "
                + "events.",
                "From a running server (--server, its open API), or straight from a state directory (--state-dir and "
                        + "--inventory): read only, safe while the server runs."})
final class NodesCommand implements Callable<Integer> {

    /** The open API route every node's state is read from. */
    static final String API = "/api/v1/nodes";
    /** As much of a config hash as a person compares. */
    private static final int SHORT_HASH = 12;

    @Mixin
    InventoryOptions inventory;

    @Mixin
    ServerClient client;

    @Spec
    CommandSpec spec;

    @Parameters(arity = "0..1", paramLabel = "NAME", description = "One node, by name or MAC address.")
    String name;

    @Option(names = "--server", paramLabel = "URL",
            description = "A running Metis server, e.g. http://10.20.0.2:8080 (https:// with TLS).")
    URI server;

    @Option(names = "--state-dir", paramLabel = "DIR",
            description = "Without --server: the server's state directory, read without writing anything "
                    + "(default: " + StateDirectory.DEFAULT + ").")
    Path stateDir;

    @Option(names = "--output", paramLabel = "FORMAT", defaultValue = "table", converter = FormatConverter.class,
            description = "table (default) or json (the API's field names, whichever the source).")
    Format output;

    enum Format { TABLE, JSON }

    @Override
    public Integer call() throws Exception {
        if (server != null && stateDir != null) {
            throw new ParameterException(spec.commandLine(), "give --server or --state-dir, not both");
        }
        return Problems.reporting(spec, () -> {
            NodeReport.All all = server != null ? fromServer() : fromStateDirectory();
            PrintWriter out = spec.commandLine().getOut();
            if (name == null) {
                if (output == Format.JSON) {
                    out.println(NodeReport.JSON.writeValueAsString(all));
                } else {
                    printAll(out, all);
                }
            } else {
                Optional<NodeReport> node = select(all.nodes(), name);
                if (node.isEmpty()) {
                    spec.commandLine().getErr().println("metis: no node '" + name + "'" + SchemaCheck.suggestion(name,
                            all.nodes().stream().map(NodeReport::name).toList()));
                    return Main.INVALID_INPUT;
                }
                if (output == Format.JSON) {
                    out.println(NodeReport.JSON.writeValueAsString(node.get()));
                } else {
                    printOne(out, node.get());
                }
            }
            out.flush();
            return 0;
        });
    }

    private NodeReport.All fromServer() throws IOException {
        URI target = server.resolve(API);
        HttpResponse<String> response;
        try {
            response = client.build().send(HttpRequest.newBuilder(target).timeout(Duration.ofSeconds(10)).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
        } catch (ConnectException e) {
            // It has no message of its own.
            throw new IOException("cannot read " + target + ": no server answers there", e);
        } catch (IOException | GeneralSecurityException e) {
            throw new IOException("cannot read " + target + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while reading " + target, e);
        }
        if (response.statusCode() != 200) {
            throw new IOException(target + " answered " + response.statusCode() + ": " + response.body());
        }
        return NodeReport.JSON.readValue(response.body(), NodeReport.All.class);
    }

    private NodeReport.All fromStateDirectory() throws InvalidInputException, IOException {
        Inventory loaded = inventory.load();
        Path dir = StateDirectory.resolve(stateDir, inventory.environment());
        if (!Files.isDirectory(dir)) {
            throw new IOException("no state directory " + dir + ": give the server's --state-dir, or --server URL");
        }
        NodeStates states = StateStore.read(dir, Clock.systemUTC());
        // The config hash carries no secret and no phone-home key: the server's current hash, without either.
        IdentityRenderer renderer = new IdentityRenderer(loaded.site(), PhoneHomeKeys.REDACTED);
        List<NodeReport> nodes = new ArrayList<>();
        for (ResolvedNode node : loaded.nodes()) {
            NodeStatus status = states.status(node.name());
            String currentHash = null;
            String configError = null;
            try {
                currentHash = renderer.renderPublic(node).configHash();
            } catch (IdentityException e) {
                configError = e.getMessage();
            }
            nodes.add(new NodeReport(node.name(), node.nodeClass(), node.spec().mac().toString(), status.state(),
                    status.lastSeen(), status.drifted(currentHash), currentHash, status.servedHash(),
                    status.provisionedHash(), configError, null, status.events()));
        }
        return new NodeReport.All(nodes, DiscoveredMac.unknownTo(loaded, states.discovered()));
    }

    /** By name, or by MAC address in any common spelling. */
    private static Optional<NodeReport> select(List<NodeReport> nodes, String nameOrMac) {
        MacAddress mac;
        try {
            mac = MacAddress.parse(nameOrMac);
        } catch (IllegalArgumentException notAMac) {
            mac = null;
        }
        for (NodeReport node : nodes) {
            if (node.name().equals(nameOrMac) || (mac != null && mac.equals(MacAddress.parse(node.mac())))) {
                return Optional.of(node);
            }
        }
        return Optional.empty();
    }

    private static void printAll(PrintWriter out, NodeReport.All all) {
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"NODE", "CLASS", "MAC", "STATE", "LAST SEEN", "DRIFT"});
        for (NodeReport node : all.nodes()) {
            rows.add(new String[] {node.name(), node.nodeClass(), node.mac(), String.valueOf(node.state()),
                    time(node.lastSeen()), driftCell(node)});
        }
        printTable(out, rows);
        for (NodeReport node : all.nodes()) {
            problems(node).forEach(problem -> out.println(node.name() + ": " + problem));
        }
        if (!all.discovered().isEmpty()) {
            out.println();
            out.println("Unknown MACs that asked to boot (add them to the inventory to provision them):");
            List<String[]> discovered = new ArrayList<>();
            discovered.add(new String[] {"MAC", "FIRST SEEN", "LAST SEEN", "FROM", "REQUESTS"});
            for (DiscoveredMac mac : all.discovered()) {
                discovered.add(new String[] {mac.mac(), time(mac.firstSeen()), time(mac.lastSeen()),
                        String.valueOf(mac.lastAddress()), Long.toString(mac.requests())});
            }
            printTable(out, discovered);
        }
    }

    /** "-" where drift has no meaning: a node not provisioned runs no config of Metis's yet. */
    private static String driftCell(NodeReport node) {
        if (node.configError() != null) {
            return "?";
        }
        return node.drift() ? "yes" : node.state() == NodeState.PROVISIONED ? "no" : "-";
    }

    private static void printOne(PrintWriter out, NodeReport node) {
        out.printf("node       %s%n", node.name());
        out.printf("class      %s%n", node.nodeClass());
        out.printf("mac        %s%n", node.mac());
        out.printf("state      %s%n", node.state());
        out.printf("last seen  %s%n", time(node.lastSeen()));
        String drift;
        if (node.configError() != null) {
            drift = "unknown: the node's config cannot be rendered";
        } else if (node.drift()) {
            drift = "yes: provisioned with config " + shortHash(node.provisionedHash()) + ", the inventory now gives "
                    + shortHash(node.configHash()) + " (re-arm the node to apply it)";
        } else {
            drift = node.state() == NodeState.PROVISIONED ? "no" : "- (not provisioned)";
        }
        out.printf("drift      %s%n", drift);
        out.printf("config     current %s, last served %s, provisioned %s%n", shortHash(node.configHash()),
                shortHash(node.servedHash()), shortHash(node.provisionedHash()));
        problems(node).forEach(problem -> out.printf("problem    %s%n", problem));
        if (node.events().isEmpty()) {
            out.println("events     none");
            return;
        }
        out.println("events     (most recent last)");
        for (NodeEvent event : node.events()) {
            out.printf("  %s  %-13s%s%s%n", time(event.at()), event.event(),
                    event.from() == null ? "" : "  from " + event.from(),
                    event.hash() == null ? "" : "  config " + shortHash(event.hash()));
        }
    }

    private static List<String> problems(NodeReport node) {
        List<String> problems = new ArrayList<>();
        if (node.configError() != null) {
            problems.add("config: " + node.configError());
        }
        if (node.secretsError() != null) {
            problems.add("secrets: " + node.secretsError());
        }
        return problems;
    }

    /** Columns as wide as their widest cell, two spaces apart. */
    private static void printTable(PrintWriter out, List<String[]> rows) {
        int[] widths = new int[rows.get(0).length];
        for (String[] row : rows) {
            for (int i = 0; i < row.length; i++) {
                widths[i] = Math.max(widths[i], row[i].length());
            }
        }
        for (String[] row : rows) {
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < row.length; i++) {
                line.append(i == row.length - 1 ? row[i]
                        : String.format(Locale.ROOT, "%-" + (widths[i] + 2) + "s", row[i]));
            }
            out.println(line.toString().stripTrailing());
        }
    }

    private static String time(Instant at) {
        return at == null ? "never" : at.truncatedTo(ChronoUnit.SECONDS).toString();
    }

    private static String shortHash(String hash) {
        return hash == null ? "-" : hash.substring(0, Math.min(SHORT_HASH, hash.length()));
    }

    static final class FormatConverter implements picocli.CommandLine.ITypeConverter<Format> {
        @Override
        public Format convert(String value) {
            for (Format format : Format.values()) {
                if (format.name().equalsIgnoreCase(value)) {
                    return format;
                }
            }
            throw new picocli.CommandLine.TypeConversionException("expected table or json, got '" + value + "'");
        }
    }
}
