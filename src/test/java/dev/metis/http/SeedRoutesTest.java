package dev.metis.http;

import static dev.metis.testing.NodeServices.body;
import static dev.metis.testing.NodeServices.get;
import static dev.metis.testing.NodeServices.request;
import static org.assertj.core.api.Assertions.assertThat;

import dev.metis.identity.ServerUrls;
import dev.metis.state.NodeState;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import dev.metis.testing.NodeServices;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The NoCloud seed files and phone-home, called directly with the token and key a node would hold. */
class SeedRoutesTest {

    private static final String MAC = NodeServices.WEB1_MAC;

    @TempDir
    Path dir;
    private NodeServices routes;
    private SeedRoutes seed;

    @BeforeEach
    void setUp() throws Exception {
        routes = new NodeServices(dir);
        seed = new SeedRoutes(routes.inventory, routes.state, routes.seeds);
    }

    @AfterEach
    void tearDown() throws Exception {
        routes.close();
    }

    private HttpResponse seedFile(String token, String file, String from) throws Exception {
        Map<String, String> values = token == null ? Map.of("mac", MAC, "file", file)
                : Map.of("mac", MAC, "token", token, "file", file);
        String route = token == null ? ServerUrls.SEED : ServerUrls.TOKEN_SEED;
        return seed.seedFile(route, get("/nocloud/...", from), new Route.Params(values, List.of()));
    }

    /** The token of the script the node was just served, as the node would read it. */
    private String bootToken() throws Exception {
        BootRoutes boot = new BootRoutes(routes.inventory, routes.bootFiles);
        return NodeServices.token(boot.nodeScript(get("/ipxe/" + MAC, NodeServices.WEB1_IP), new Route.Params(Map.of("mac", MAC), List.of())));
    }

    private HttpResponse report(String key, String json) throws Exception {
        Map<String, String> values = key == null ? Map.of("mac", MAC) : Map.of("mac", MAC, "key", key);
        return seed.cloudInitReport(request("POST", "/cloud-init/...", Map.of(), json, NodeServices.WEB1_IP),
                new Route.Params(values, List.of()));
    }

    /** cloud-init's webhook: the end of each stage and every module that did not succeed, from the seed's holder only. */
    @Test
    void cloudInitReportsOfTheSeedsHolderGoOnTheTimeline() throws Exception {
        String key = routes.keys.keyFor("web-1").reveal();
        String stage = "{\"name\": \"init-network\", \"description\": \"searching for network datasources\", "
                + "\"event_type\": \"finish\", \"origin\": \"cloudinit\", \"timestamp\": 1765100000.5, \"result\": \"SUCCESS\"}";
        assertThat(report("k" + key.substring(1).replace('k', 'j'), stage).status()).isEqualTo(403);
        assertThat(report(null, stage).status()).isEqualTo(403);
        assertThat(routes.state.status("web-1").events()).isEmpty();

        assertThat(report(key, stage).status()).isEqualTo(200);
        assertThat(report(key, "{\"name\": \"modules-config/config-ntp\", \"event_type\": \"start\"}").status()).isEqualTo(200);
        assertThat(report(key, "{\"name\": \"modules-config/config-ntp\", \"event_type\": \"finish\", "
                + "\"result\": \"SUCCESS\"}").status()).isEqualTo(200);
        assertThat(report(key, "{\"name\": \"modules-final/config-scripts-user\", \"event_type\": \"finish\", "
                + "\"result\": \"FAIL\", \"description\": \"running config-scripts-user with frequency once-per-instance\"}")
                .status()).isEqualTo(200);
        assertThat(report(key, "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]").status()).isEqualTo(400);
        assertThat(report(key, "not json").status()).isEqualTo(400);
        assertThat(routes.state.status("web-1").events()).extracting(e -> e.event() + ": " + e.detail()).containsExactly(
                "cloud-init: init-network SUCCESS",
                "cloud-init: modules-final/config-scripts-user FAIL: running config-scripts-user with frequency once-per-instance");
    }

    @Test
    void filesWithoutSecretsGoToAnyone() throws Exception {
        HttpResponse metaData = seedFile(null, "meta-data", "198.51.100.7");
        assertThat(metaData.status()).isEqualTo(200);
        assertThat(body(metaData)).contains("local-hostname: web-1").doesNotContain(NodeServices.CANARY);
        assertThat(seedFile(null, "no-such-file", "198.51.100.7").status()).isEqualTo(404);
    }

    @Test
    void userDataGoesOnlyWithTheBootsTokenFromTheNodesAddress() throws Exception {
        assertThat(seedFile(null, "user-data", NodeServices.WEB1_IP).status()).isEqualTo(403);
        String token = bootToken();
        HttpResponse stranger = seedFile(token, "user-data", "198.51.100.7");
        assertThat(stranger.status()).isEqualTo(403);
        assertThat(body(stranger)).contains("wrong-address").doesNotContain(NodeServices.CANARY);
        assertThat(seedFile(otherFirstCharacter(token), "user-data", NodeServices.WEB1_IP).status()).isEqualTo(403);
        HttpResponse userData = seedFile(token, "user-data", NodeServices.WEB1_IP);
        assertThat(userData.status()).isEqualTo(200);
        assertThat(body(userData)).startsWith("#cloud-config").contains(NodeServices.CANARY);
    }

    @Test
    void phoneHomeWithTheNodesKeyProvisionsItAndNothingElseDoes() throws Exception {
        bootToken();
        String key = routes.keys.keyFor("web-1").reveal();
        HttpResponse noKey = seed.phoneHome(request("POST", "/phone-home/" + MAC, Map.of(), "", NodeServices.WEB1_IP),
                new Route.Params(Map.of("mac", MAC), List.of()));
        HttpResponse wrongKey = seed.phoneHome(request("POST", "/phone-home/", Map.of(), "", NodeServices.WEB1_IP),
                new Route.Params(Map.of("mac", MAC, "key", otherFirstCharacter(key)), List.of()));
        assertThat(List.of(noKey.status(), wrongKey.status())).containsOnly(403);
        assertThat(routes.state.status("web-1").state()).isEqualTo(NodeState.BOOTING);
        HttpResponse phoned = seed.phoneHome(request("POST", "/phone-home/", Map.of(), "instance_id=whatever&x=%zz", NodeServices.WEB1_IP),
                new Route.Params(Map.of("mac", MAC, "key", key), List.of()));
        assertThat(phoned.status()).isEqualTo(200);
        assertThat(body(phoned)).contains("\"state\":\"provisioned\"").doesNotContain(key);
        assertThat(routes.state.status("web-1").provisionedHash()).isEqualTo("instance-id:whatever");
    }

    /** The same secret with its first character changed: another one, whatever that character was. */
    private static String otherFirstCharacter(String secret) {
        return (secret.charAt(0) == 'x' ? "y" : "x") + secret.substring(1);
    }
}
