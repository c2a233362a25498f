package dev.metis.http;

import static dev.metis.testing.NodeServices.body;
import static dev.metis.testing.NodeServices.get;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.metis.state.NodeState;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import dev.metis.testing.NodeServices;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The node API's handlers, called directly: what they show, what re-arming does. */
class ApiRoutesTest {

    @TempDir
    Path dir;
    private NodeServices routes;
    private ApiRoutes api;

    @BeforeEach
    void setUp() throws Exception {
        routes = new NodeServices(dir);
        api = new ApiRoutes(routes.inventory, routes.state, routes.seeds, new dev.metis.state.BurnHistory(dir.resolve("state")));
    }

    @AfterEach
    void tearDown() throws Exception {
        routes.close();
    }

    private static Route.Params node(String name) {
        return new Route.Params(Map.of("name", name), List.of());
    }

    @Test
    void theListShowsEveryNodeAndTheUnknownMacsSeenWithoutSecrets() throws Exception {
        routes.state.discoveredMac("02:00:00:00:00:99", "198.51.100.7");
        routes.state.discoveredMac(NodeServices.WEB1_MAC, NodeServices.WEB1_IP);
        String list = body(api.nodes(get(ApiRoutes.NODES, "198.51.100.7"), node("-")));
        assertThat(list).contains("\"name\":\"web-1\"", "\"name\":\"web-2\"", "\"name\":\"pi-1\"", "\"mac\":\"02:00:00:00:00:99\"")
                .doesNotContain("\"mac\":\"" + NodeServices.WEB1_MAC + "\",\"state\":\"discovered\"").doesNotContain(NodeServices.CANARY);
    }

    @Test
    void aNodesConfigNamesItsSecretsRedactedWithTheirPlace() throws Exception {
        String config = body(api.config(get("/api/v1/nodes/web-1/config", "198.51.100.7"), node("web-1")));
        assertThat(config).contains("\"k3s_token\":\"<redacted>\"", "\"file\":\"inventory.yaml\"").doesNotContain(NodeServices.CANARY)
                .doesNotContain(dir.toString());
        Refused missing = assertThrows(Refused.class, () -> api.node(get("/api/v1/nodes/nope", "198.51.100.7"), node("nope")));
        assertThat(missing.response().status()).isEqualTo(404);
    }

    @Test
    void aNodeWithoutIpIsShownWithoutAnAddress() throws Exception {
        Path file = routes.inventory.current().inventory().file();
        Files.writeString(file, Files.readString(file).replace(", ip: 192.0.2.22/24", ""));
        assertThat(routes.inventory.reloadIfChanged()).isTrue();
        assertThat(body(api.node(get("/api/v1/nodes/web-2", "198.51.100.7"), node("web-2"))))
                .contains("\"mac\":\"02:00:00:00:00:02\"").doesNotContain("\"ip\"");
        assertThat(body(api.node(get("/api/v1/nodes/web-1", "198.51.100.7"), node("web-1"))))
                .contains("\"ip\":\"" + NodeServices.WEB1_IP + "/24\"");
    }

    @Test
    void reArmingProvisionsAgainAndEndsTheBindingOfTheLastBoot() throws Exception {
        BootRoutes boot = new BootRoutes(routes.inventory, routes.bootFiles);
        String token = NodeServices.token(boot.nodeScript(get("/ipxe/x", NodeServices.WEB1_IP),
                new Route.Params(Map.of("mac", NodeServices.WEB1_MAC), List.of())));
        routes.state.phoneHome("web-1", "hash", NodeServices.WEB1_IP);
        HttpResponse rearmed = api.reprovision(get(ApiRoutes.REPROVISION, "198.51.100.9"), node("web-1"));
        assertThat(body(rearmed)).contains("\"state\":\"armed\"");
        assertThat(routes.state.status("web-1").state()).isEqualTo(NodeState.ARMED);
        HttpResponse oldToken = new SeedRoutes(routes.inventory, routes.state, routes.seeds).seedFile(
                dev.metis.identity.ServerUrls.TOKEN_SEED, get("/nocloud", NodeServices.WEB1_IP),
                new Route.Params(Map.of("mac", NodeServices.WEB1_MAC, "token", token, "file", "user-data"), List.of()));
        assertThat(oldToken.status()).isEqualTo(403);
    }
}
