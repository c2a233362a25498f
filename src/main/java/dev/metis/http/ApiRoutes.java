package dev.metis.http;

import dev.metis.boot.SeedBindings;
import dev.metis.inventory.ResolvedNode;
import dev.metis.served.ServedInventory;
import dev.metis.state.BurnHistory;
import dev.metis.state.DiscoveredMac;
import dev.metis.state.NodeStatus;
import dev.metis.state.StateStore;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The JSON API under {@code /api/v1/}: reading is open (no secret, no seed token is in it); re-arming needs
 * the admin token, which the router checks for every method but GET and HEAD under {@code /api/}.
 */
final class ApiRoutes {

    /** Every path whose first segment is this is under the admin rule, matched or not. */
    static final String FIRST_SEGMENT = "api";
    static final String NODES = "/api/v1/nodes";
    static final String NODE = "/api/v1/nodes/{name}";
    static final String NODE_CONFIG = "/api/v1/nodes/{name}/config";
    static final String REPROVISION = "/api/v1/nodes/{name}/reprovision";
    static final String BURNS = "/api/v1/burns";
    /** How many recent burns {@code /api/v1/burns} answers with. */
    private static final int RECENT_BURNS = 50;
    private static final Logger LOG = LoggerFactory.getLogger(ApiRoutes.class);

    private final ServedInventory inventory;
    private final StateStore state;
    private final SeedBindings seeds;
    private final BurnHistory burns;

    ApiRoutes(ServedInventory inventory, StateStore state, SeedBindings seeds, BurnHistory burns) {
        this.inventory = inventory;
        this.state = state;
        this.seeds = seeds;
        this.burns = burns;
    }

    List<Route> routes() {
        List<String> get = List.of("GET");
        return List.of(
                new Route(NODES, NODES, get, false, Route.NEVER, this::nodes),
                new Route(NODE, NODE, get, false, Route.NEVER, this::node),
                // The config names the node's secrets, which are looked up (then redacted).
                new Route(NODE_CONFIG, NODE_CONFIG, get, false, Route.ALWAYS, this::config),
                new Route(REPROVISION, REPROVISION, List.of("POST"), false, Route.NEVER, this::reprovision),
                new Route(BURNS, BURNS, get, false, Route.NEVER,
                        (request, params) -> Answers.json(BURNS, 200, Map.of("burns", burns.recent(RECENT_BURNS)))));
    }

    /** Every node of the inventory, and the MACs seen booting that belong to none. */
    HttpResponse nodes(HttpRequest request, Route.Params params) throws IOException {
        ServedInventory.Generation current = inventory.current();
        List<Object> nodes = new ArrayList<>();
        for (ResolvedNode node : current.inventory().nodes()) {
            nodes.add(NodeViews.node(current, node, state.status(node.name())));
        }
        List<Object> discovered = new ArrayList<>();
        for (DiscoveredMac mac : DiscoveredMac.unknownTo(current.inventory(), state.discovered())) {
            discovered.add(NodeViews.discovered(mac));
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("nodes", nodes);
        body.put("discovered", discovered);
        return Answers.json(NODES, 200, body);
    }

    HttpResponse node(HttpRequest request, Route.Params params) throws IOException, Refused {
        ServedInventory.Generation current = inventory.current();
        ResolvedNode node = requireNode(NODE, current, params);
        return Answers.json(NODE, 200, NodeViews.node(current, node, state.status(node.name())));
    }

    HttpResponse config(HttpRequest request, Route.Params params) throws IOException, Refused {
        ServedInventory.Generation current = inventory.current();
        return Answers.json(NODE_CONFIG, 200, NodeViews.config(current, requireNode(NODE_CONFIG, current, params)));
    }

    /** Arms the node again: its next netboot provisions it, under a new seed binding. */
    HttpResponse reprovision(HttpRequest request, Route.Params params) throws IOException, Refused {
        ServedInventory.Generation current = inventory.current();
        ResolvedNode node = requireNode(REPROVISION, current, params);
        String by = request.remote().getHostAddress();
        NodeStatus status = state.rearm(node.name(), by);
        seeds.revoke(node.spec().mac());
        LOG.info("node {} re-armed by {}", node.name(), by);
        return Answers.json(REPROVISION, 200, NodeViews.node(current, node, status));
    }

    private static ResolvedNode requireNode(String route, ServedInventory.Generation current, Route.Params params)
            throws Refused {
        String name = params.get("name");
        return current.inventory().node(name).orElseThrow(() -> new Refused(Answers.error(route, 404, "no node named " + name)));
    }
}
