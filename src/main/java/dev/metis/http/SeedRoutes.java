package dev.metis.http;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.metis.boot.SeedBindings;
import dev.metis.identity.Artifact;
import dev.metis.identity.NodeIdentity;
import dev.metis.identity.ServerUrls;
import dev.metis.inventory.ResolvedNode;
import dev.metis.metrics.AccessLog;
import dev.metis.net.MacAddress;
import dev.metis.secrets.SecretUnavailableException;
import dev.metis.served.ServedInventory;
import dev.metis.state.NodeEvent;
import dev.metis.state.NodeStatus;
import dev.metis.state.StateStore;
import java.io.IOException;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** What cloud-init fetches and reports: the NoCloud seed files and phone-home. */
final class SeedRoutes {

    private static final Logger LOG = LoggerFactory.getLogger(SeedRoutes.class);
    /** Phone-home without its key: refused like a wrong key, but under its own route so it is counted. */
    private static final String PHONE_HOME_WITHOUT_KEY = "/phone-home/{mac}";
    /** A report is one small JSON object: a hostile holder's deep nesting or huge body goes no further than this. */
    private static final ObjectMapper REPORT_READER = new ObjectMapper(JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(8).maxStringLength(4096).build()).build());

    private final ServedInventory inventory;
    private final StateStore state;
    private final SeedBindings seeds;

    SeedRoutes(ServedInventory inventory, StateStore state, SeedBindings seeds) {
        this.inventory = inventory;
        this.state = state;
        this.seeds = seeds;
    }

    List<Route> routes() {
        Predicate<Route.Params> secretBearing = params -> Artifact.byFileName(params.get("file"))
                .map(Artifact::carriesSecrets).orElse(false);
        return List.of(
                new Route(ServerUrls.SEED, ServerUrls.SEED, Route.READ, true, secretBearing,
                        (request, params) -> seedFile(ServerUrls.SEED, request, params)),
                new Route(ServerUrls.TOKEN_SEED, ServerUrls.TOKEN_SEED, Route.READ, true, secretBearing,
                        (request, params) -> seedFile(ServerUrls.TOKEN_SEED, request, params)),
                new Route(ServerUrls.PHONE_HOME, ServerUrls.PHONE_HOME, List.of("POST"), true, Route.NEVER, this::phoneHome),
                new Route(PHONE_HOME_WITHOUT_KEY, ServerUrls.PHONE_HOME, List.of("POST"), true, Route.NEVER, this::phoneHome),
                new Route(ServerUrls.CLOUD_INIT_REPORT, ServerUrls.CLOUD_INIT_REPORT, List.of("POST"), true, Route.NEVER,
                        this::cloudInitReport));
    }

    /**
     * A file of the node's seed. Those without secrets are served to anyone, under the seed URL with or
     * without a token; user-data only as its seed binding allows, checked before the secrets are read.
     */
    HttpResponse seedFile(String route, HttpRequest request, Route.Params params) throws SecretUnavailableException, Refused {
        MacAddress mac = Answers.requireMac(route, params.get("mac"));
        String fileName = params.get("file");
        Optional<Artifact> artifact = Artifact.byFileName(fileName).filter(Artifact::isSeedFile);
        if (artifact.isEmpty()) {
            return Answers.error(route, 404, "no seed file " + fileName + " (meta-data, user-data, vendor-data, network-config)");
        }
        ServedInventory.Generation current = inventory.current();
        ResolvedNode node = Answers.requireNode(route, current, mac);
        if (!artifact.get().carriesSecrets()) {
            return HttpResponse.bytes(route, 200, artifact.get().contentType(), current.publicIdentity(node).bytes(artifact.get()));
        }
        String token = params.values().get("token");
        Optional<SeedBindings.Reason> refused = seeds.checkUserData(node, state.status(node.name()), token, request.remote());
        if (refused.isPresent()) {
            return Answers.error(route, 403, "user-data goes only to the booting node, with the seed token of its script, "
                    + "from its address (" + refused.get().label() + ")");
        }
        NodeIdentity identity = current.identity(node);
        state.seedServed(node.name(), identity.configHash(), request.remote().getHostAddress());
        return HttpResponse.bytes(route, 200, artifact.get().contentType(), identity.bytes(artifact.get()));
    }

    /** cloud-init's phone_home, with the node's key from its user-data: the node is provisioned. */
    HttpResponse phoneHome(HttpRequest request, Route.Params params) throws IOException, Refused {
        String route = ServerUrls.PHONE_HOME;
        MacAddress mac = Answers.requireMac(route, params.get("mac"));
        ServedInventory.Generation current = inventory.current();
        ResolvedNode node = Answers.requireNode(route, current, mac);
        Optional<SeedBindings.Reason> refused = seeds.phoneHome(node, params.values().get("key"), request.remote());
        if (refused.isPresent()) {
            return Answers.error(route, 403, "phone-home of node " + node.name() + " refused (" + refused.get().label()
                    + "): only the holder of the node's seed may report it provisioned");
        }
        String reported = Answers.form(request.body()).get("instance_id");
        NodeIdentity identity = current.publicIdentity(node);
        NodeStatus before = state.status(node.name());
        String hash = provisionedHash(reported, identity, before);
        NodeStatus after = state.phoneHome(node.name(), hash, request.remote().getHostAddress());
        LOG.info("node {} phoned home from {}: provisioned with config {}", node.name(),
                request.remote().getHostAddress(), hash);
        return Answers.json(route, 200, NodeViews.node(current, node, after));
    }

    /**
     * One event of cloud-init's reporting webhook, from the seed's holder. The timeline keeps the end of each
     * stage and every module that did not succeed, with cloud-init's own words for why: what someone asking
     * "why is this node not provisioned" needs, without the dozens of module starts of every boot.
     */
    HttpResponse cloudInitReport(HttpRequest request, Route.Params params) throws Refused {
        String route = ServerUrls.CLOUD_INIT_REPORT;
        MacAddress mac = Answers.requireMac(route, params.get("mac"));
        ResolvedNode node = Answers.requireNode(route, inventory.current(), mac);
        Optional<SeedBindings.Reason> refused = seeds.checkReporter(node, params.values().get("key"), request.remote());
        if (refused.isPresent()) {
            return Answers.error(route, 403, "cloud-init reports of node " + node.name() + " refused ("
                    + refused.get().label() + "): only the holder of the node's seed may report");
        }
        JsonNode event;
        try {
            event = REPORT_READER.readTree(request.body());
        } catch (IOException e) {
            return Answers.error(route, 400, "a cloud-init report is one JSON event");
        }
        String name = event == null ? "" : event.path("name").asText("");
        String result = event == null ? "" : event.path("result").asText("");
        if (name.isEmpty() || !event.path("event_type").asText("").equals("finish")) {
            return HttpResponse.text(route, 200, Answers.TEXT, "ignored\n");
        }
        boolean stage = !name.contains("/");
        boolean succeeded = result.equals("SUCCESS");
        if (stage || !succeeded) {
            String detail = AccessLog.printable(name, 120) + " " + AccessLog.printable(result, 20)
                    + (succeeded ? "" : ": " + AccessLog.printable(event.path("description").asText(""), 300));
            state.reported(node.name(), NodeEvent.CLOUD_INIT, detail, request.remote().getHostAddress());
        }
        return HttpResponse.text(route, 200, Answers.TEXT, "recorded\n");
    }

    /**
     * The config the node says it applied: matched through its instance-id against the current config
     * or the one last served; an instance-id matching neither is kept as reported (and shows as drift).
     */
    private static String provisionedHash(String reportedInstanceId, NodeIdentity current, NodeStatus before) {
        if (reportedInstanceId == null || reportedInstanceId.equals(current.instanceId())) {
            return reportedInstanceId == null && before.servedHash() != null ? before.servedHash() : current.configHash();
        }
        if (before.servedHash() != null && reportedInstanceId.equals("metis-" + before.servedHash().substring(0, 16))) {
            return before.servedHash();
        }
        return "instance-id:" + reportedInstanceId;
    }
}
