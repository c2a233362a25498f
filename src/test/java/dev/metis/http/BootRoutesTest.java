package dev.metis.http;

import static dev.metis.testing.NodeServices.body;
import static dev.metis.testing.NodeServices.get;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.metis.state.NodeState;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import dev.metis.testing.NodeServices;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The chain script and a node's own script, from the boot-file service. */
class BootRoutesTest {

    @TempDir
    Path dir;
    private NodeServices routes;
    private BootRoutes boot;

    @BeforeEach
    void setUp() throws Exception {
        routes = new NodeServices(dir);
        boot = new BootRoutes(routes.inventory, routes.bootFiles);
    }

    @AfterEach
    void tearDown() throws Exception {
        routes.close();
    }

    private HttpResponse script(String mac, String from) throws Exception {
        return boot.nodeScript(get("/ipxe/" + mac, from), params(mac));
    }

    private static Route.Params params(String mac) {
        return new Route.Params(Map.of("mac", mac), List.of());
    }

    @Test
    void theChainScriptSendsEveryClientToItsOwnScriptOnTheSiteServer() {
        HttpResponse chain = boot.chainScript(get("/boot.ipxe", "198.51.100.7"), null);
        assertThat(body(chain)).startsWith("#!ipxe\n").contains("chain http://192.0.2.2:8080/ipxe/${mac} ||");
    }

    @Test
    void anArmedNodeGetsItsScriptWithANewTokenAtItsOwnAddressAndIsBooting() throws Exception {
        HttpResponse first = script(NodeServices.WEB1_MAC, NodeServices.WEB1_IP);
        assertThat(first.status()).isEqualTo(200);
        assertThat(body(first)).contains("kernel http://192.0.2.2:8080/assets/debian/vmlinuz",
                "ds=nocloud-net;s=http://192.0.2.2:8080/nocloud/" + NodeServices.WEB1_MAC + "/");
        assertThat(routes.state.status("web-1").state()).isEqualTo(NodeState.BOOTING);
        routes.clock.advance(Duration.ofSeconds(5));
        assertThat(NodeServices.token(script(NodeServices.WEB1_MAC, NodeServices.WEB1_IP))).isNotEqualTo(NodeServices.token(first));
    }

    @Test
    void anotherAddressWithoutEvidenceGetsNoScriptAndChangesNothing() throws Exception {
        HttpResponse refused = script(NodeServices.WEB1_MAC, "198.51.100.7");
        assertThat(refused.status()).isEqualTo(403);
        assertThat(body(refused)).contains("no-evidence").doesNotContain("nocloud");
        assertThat(routes.state.status("web-1").state()).isEqualTo(NodeState.ARMED);
    }

    @Test
    void aProvisionedNodeAndAnUnknownMacAreSentToTheirDisk() throws Exception {
        routes.state.phoneHome("web-1", "hash", NodeServices.WEB1_IP);
        assertThat(body(script(NodeServices.WEB1_MAC, NodeServices.WEB1_IP))).contains("node web-1 is provisioned").contains("exit");
        HttpResponse unknown = script("02:00:00:00:00:99", "198.51.100.7");
        assertThat(body(unknown)).contains("unknown MAC address").contains("exit");
        assertThat(routes.state.discovered()).extracting(d -> d.mac()).containsExactly("02:00:00:00:00:99");
    }

    @Test
    void aMalformedMacIsABadRequest() {
        Refused refused = assertThrows(Refused.class, () -> script("not-a-mac", NodeServices.WEB1_IP));
        assertThat(refused.response().status()).isEqualTo(400);
    }
}
