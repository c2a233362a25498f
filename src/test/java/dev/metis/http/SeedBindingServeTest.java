package dev.metis.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.metis.dhcp.Captures;
import dev.metis.net.MacAddress;
import dev.metis.testing.LogCapture;
import dev.metis.testing.RawHttp;
import dev.metis.testing.ServerFixture;
import dev.metis.testing.TestClock;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Seed binding over real sockets: the node that fetched its script gets its secrets; a second client
 * that learned the MAC, or even the token, gets 403 and no secret. Clients speak from loopback
 * addresses of their own (127.0.0.2, ...), as machines on the provisioning network would.
 */
class SeedBindingServeTest {

    private static final String CANARY = "CANARY-seed-7f3a91";
    private static final String NODE = "127.0.0.1";
    private static final String ATTACKER = "127.0.0.2";

    @TempDir
    Path dir;

    private ServerFixture server(TestClock clock) throws Exception {
        ServerFixture server = new ServerFixture(dir).withClock(clock);
        server.withSecretsFile("nodes:\n  web-1:\n    k3s_token: " + CANARY + "\n");
        return server;
    }

    private static TestClock clock() {
        return new TestClock(Instant.parse("2026-03-01T10:00:00Z"));
    }

    /** Fetches the script from {@code source} and returns its seed path, {@code /nocloud/<mac>/<token>/}. */
    private static String script(ServerFixture server, String source) throws Exception {
        String seed = server.seedPath(ServerFixture.MAC, source);
        assertThat(seed).matches("/nocloud/" + ServerFixture.MAC + "/[A-Za-z0-9_-]{43}/");
        return seed;
    }

    private static RawHttp.Answer refused(ServerFixture server, String source, String path) throws Exception {
        RawHttp.Answer answer = RawHttp.get(source, server.port, path);
        assertThat(answer.status()).as(source + " " + path + ": " + answer.body()).isEqualTo(403);
        assertThat(answer.body()).doesNotContain(CANARY);
        return answer;
    }

    @Test
    void theBootingNodeGetsItsSecretsAndNobodyElseDoes() throws Exception {
        try (LogCapture logs = new LogCapture(); ServerFixture server = server(clock()).start()) {
            String seed = script(server, NODE);
            String token = seed.split("/")[3];
            assertThat(RawHttp.get(NODE, server.port, seed + "user-data").body()).contains("token: " + CANARY);

            String noToken = "/nocloud/" + ServerFixture.MAC + "/user-data";
            assertThat(refused(server, ATTACKER, noToken).body()).contains("no-token");
            assertThat(refused(server, NODE, noToken).body()).as("not even the node, without its token").contains("no-token");
            assertThat(refused(server, ATTACKER, "/nocloud/" + ServerFixture.MAC + "/" + "A".repeat(43) + "/user-data")
                    .body()).contains("wrong-token");
            assertThat(refused(server, ATTACKER, seed + "user-data").body()).as("the right token from elsewhere")
                    .contains("wrong-address");
            assertThat(refused(server, ATTACKER, "/ipxe/" + ServerFixture.MAC).body()).doesNotContain(token);
            for (String file : new String[] {"meta-data", "network-config", "vendor-data"}) {
                assertThat(RawHttp.get(ATTACKER, server.port, seed + file).status()).as(file).isEqualTo(200);
                assertThat(RawHttp.get("127.0.0.3", server.port, "/nocloud/" + ServerFixture.MAC + "/" + file).status())
                        .as(file).isEqualTo(200);
            }
            assertThat(RawHttp.get(NODE, server.port, seed + "user-data").status()).as("the node still can").isEqualTo(200);

            assertThat(server.get("/metrics").body())
                    .contains("metis_seed_refusals_total{file=\"user-data\",reason=\"no-token\"} 2.0")
                    .contains("metis_seed_refusals_total{file=\"user-data\",reason=\"wrong-token\"} 1.0")
                    .contains("metis_seed_refusals_total{file=\"user-data\",reason=\"wrong-address\"} 1.0")
                    .contains("metis_seed_refusals_total{file=\"ipxe\",reason=\"wrong-address\"} 1.0")
                    .doesNotContain(token);
            assertThat(server.get("/api/v1/nodes/web-1").body()).doesNotContain(token, CANARY);
            server.stop();
            assertThat(logs.text())
                    .contains("seed refused: at=2026-03-01T10:00:00Z node=web-1 mac=" + ServerFixture.MAC + " from="
                            + ATTACKER + " file=user-data reason=wrong-address token=" + token.substring(0, 6) + "...")
                    .contains("from=" + ATTACKER + " file=ipxe reason=wrong-address")
                    .contains("from=" + NODE + " file=user-data reason=no-token")
                    .doesNotContain(token);
        }
    }

    @Test
    void afterTheWindowTheTokenOpensNothing() throws Exception {
        TestClock clock = clock();
        try (ServerFixture server = server(clock).start()) {
            String seed = script(server, NODE);
            clock.advance(Duration.ofMinutes(29));
            assertThat(RawHttp.get(NODE, server.port, seed + "user-data").status()).isEqualTo(200);
            clock.advance(Duration.ofMinutes(1));
            assertThat(refused(server, NODE, seed + "user-data").body()).contains("expired");
            // The binding lapsed with its window, but another address still has no evidence of being the node.
            assertThat(refused(server, ATTACKER, "/ipxe/" + ServerFixture.MAC).body()).contains("no-evidence");
            String again = script(server, NODE);
            assertThat(RawHttp.get(NODE, server.port, again + "user-data").body()).contains(CANARY);
        }
    }

    @Test
    void phoningHomeSpendsTheTokenAndAReArmedNodeGetsANewOne() throws Exception {
        try (ServerFixture server = server(clock()).start()) {
            String seed = script(server, NODE);
            assertThat(RawHttp.post(NODE, server.port, server.phoneHomePath("web-1", ServerFixture.MAC), "hostname=web-1")
                    .status()).isEqualTo(200);
            assertThat(refused(server, NODE, seed + "user-data").body()).contains("spent");
            assertThat(RawHttp.get(ATTACKER, server.port, "/ipxe/" + ServerFixture.MAC).body())
                    .as("provisioned: the exit script, to anyone").contains("provisioned").doesNotContain("nocloud");

            assertThat(server.post("/api/v1/nodes/web-1/reprovision", "", "Authorization", "Bearer "
                    + ServerFixture.ADMIN_TOKEN).statusCode()).isEqualTo(200);
            refused(server, "127.0.0.4", "/ipxe/" + ServerFixture.MAC);
            String rearmed = script(server, NODE);
            assertThat(rearmed).isNotEqualTo(seed);
            refused(server, NODE, seed + "user-data");
            assertThat(RawHttp.get(NODE, server.port, rearmed + "user-data").body()).contains(CANARY);
        }
    }

    @Test
    void aNodeMidInstallationGetsItsSecretsAcrossARestart() throws Exception {
        try (ServerFixture server = server(clock()).start()) {
            String seed = script(server, NODE);
            server.stop();
            server.start();
            assertThat(RawHttp.get(NODE, server.port, seed + "user-data").body()).contains(CANARY);
            refused(server, ATTACKER, seed + "user-data");
        }
    }

    /**
     * The address proxy-DHCP saw the node ask the site's DHCP server for binds the seed: the captured
     * DHCPREQUEST of the lab's installer, sent as the node's MAC asking for 127.0.0.5.
     */
    @Test
    void theAddressTheNodeRequestedFromDhcpIsTheOneServed() throws Exception {
        Assumptions.assumeTrue("root".equals(System.getProperty("user.name")), "SO_BINDTODEVICE needs root");
        ServerFixture server = server(clock());
        server.withDhcpOnLoopback();
        try (ServerFixture running = server.start()) {
            running.dhcpRequest(ServerFixture.MAC, "127.0.0.5");
            refused(running, NODE, "/ipxe/" + ServerFixture.MAC);
            String seed = script(running, "127.0.0.5");
            assertThat(RawHttp.get("127.0.0.5", running.port, seed + "user-data").body()).contains(CANARY);
            refused(running, NODE, seed + "user-data");
        }
    }

    /**
     * The MACs of armed nodes are on the open API: whoever asks first for an idle node's script must not get
     * a token, and so no secret, nor lock the real node out.
     */
    @Test
    void anIdleArmedNodesScriptGoesToNoFirstAsker() throws Exception {
        try (LogCapture logs = new LogCapture(); ServerFixture server = server(clock()).start()) {
            assertThat(server.get("/api/v1/nodes").body()).contains(ServerFixture.MAC);
            RawHttp.Answer first = refused(server, ATTACKER, "/ipxe/" + ServerFixture.MAC);
            assertThat(first.body()).contains("no-evidence").contains("re-arm the node to reset the binding")
                    .doesNotContain("nocloud");
            assertThat(server.get("/api/v1/nodes/web-1").body()).contains("\"state\":\"armed\"");
            String seed = script(server, NODE);
            assertThat(RawHttp.get(NODE, server.port, seed + "user-data").body()).contains(CANARY);
            assertThat(server.get("/metrics").body())
                    .contains("metis_seed_refusals_total{file=\"ipxe\",reason=\"no-evidence\"} 1.0");
            server.stop();
            assertThat(logs.text()).contains("from=" + ATTACKER + " file=ipxe reason=no-evidence");
        }
    }

    /**
     * A spoofed DHCPREQUEST with the node's MAC, after the node fetched its user-data, does not move the
     * binding: it is a conflict, refused to both, audited, counted and shown on the node's page.
     */
    @Test
    void aDhcpClaimFromAnotherAddressAfterTheFetchIsAConflict() throws Exception {
        Assumptions.assumeTrue("root".equals(System.getProperty("user.name")), "SO_BINDTODEVICE needs root");
        ServerFixture server = server(clock());
        server.withDhcpOnLoopback();
        try (LogCapture logs = new LogCapture(); ServerFixture running = server.start()) {
            running.dhcpRequest(ServerFixture.MAC, "127.0.0.5");
            String seed = script(running, "127.0.0.5");
            assertThat(RawHttp.get("127.0.0.5", running.port, seed + "user-data").body()).contains(CANARY);

            running.dhcpRequest(ServerFixture.MAC, ATTACKER);
            assertThat(refused(running, ATTACKER, seed + "user-data").body()).contains("conflict");
            assertThat(refused(running, ATTACKER, "/ipxe/" + ServerFixture.MAC).body()).contains("conflict");
            assertThat(refused(running, "127.0.0.5", seed + "user-data").body()).contains("conflict");
            assertThat(running.get("/metrics").body()).contains("metis_seed_conflicts_total 1.0");
            assertThat(running.get("/api/v1/nodes/web-1").body())
                    .contains("\"event\":\"seed-conflict\",\"from\":\"" + ATTACKER + "\"");
            assertThat(logs.text()).contains("seed conflict: at=2026-03-01T10:00:00Z node=web-1 mac=" + ServerFixture.MAC
                    + " fetched-by=127.0.0.5 claimed-by=" + ATTACKER);

            assertThat(running.post("/api/v1/nodes/web-1/reprovision", "", "Authorization", "Bearer "
                    + ServerFixture.ADMIN_TOKEN).statusCode()).isEqualTo(200);
            running.dhcpRequest(ServerFixture.MAC, "127.0.0.5");
            String again = script(running, "127.0.0.5");
            assertThat(RawHttp.get("127.0.0.5", running.port, again + "user-data").body()).contains(CANARY);
        }
    }

    /** Without the key its user-data carries, nobody can mark a node provisioned. */
    @Test
    void phoneHomeWithoutTheNodesKeyChangesNothing() throws Exception {
        try (LogCapture logs = new LogCapture(); ServerFixture server = server(clock()).start()) {
            String seed = script(server, NODE);
            String userData = RawHttp.get(NODE, server.port, seed + "user-data").body();
            String path = server.phoneHomePath("web-1", ServerFixture.MAC);
            assertThat(userData).contains("url: http://127.0.0.1:" + server.port + path + "\n");
            String key = path.substring(path.lastIndexOf('/') + 1);
            assertThat(RawHttp.post(ATTACKER, server.port, "/phone-home/" + ServerFixture.MAC, "hostname=web-1").status())
                    .isEqualTo(403);
            assertThat(RawHttp.post(ATTACKER, server.port, "/phone-home/" + ServerFixture.MAC + "/" + "A".repeat(43),
                    "hostname=web-1").status()).isEqualTo(403);
            assertThat(RawHttp.post(ATTACKER, server.port, server.phoneHomePath("web-2", ServerFixture.MAC),
                    "hostname=web-1").status()).as("another node's key").isEqualTo(403);
            assertThat(server.get("/api/v1/nodes/web-1").body()).contains("\"state\":\"booting\"")
                    .doesNotContain("phone-home").doesNotContain(key);
            assertThat(RawHttp.get(NODE, server.port, seed + "user-data").status()).as("the token is not spent").isEqualTo(200);
            assertThat(server.get("/metrics").body())
                    .contains("metis_seed_refusals_total{file=\"phone-home\",reason=\"no-key\"} 1.0")
                    .contains("metis_seed_refusals_total{file=\"phone-home\",reason=\"wrong-key\"} 2.0")
                    .doesNotContain(key);
            assertThat(RawHttp.post(NODE, server.port, path, "hostname=web-1").status()).isEqualTo(200);
            assertThat(server.get("/api/v1/nodes/web-1").body()).contains("\"state\":\"provisioned\"");
            server.stop();
            assertThat(logs.text()).contains("from=" + ATTACKER + " file=phone-home reason=no-key")
                    .contains("file=phone-home reason=wrong-key")
                    .contains("/phone-home/" + ServerFixture.MAC + "/" + key.substring(0, 6) + "...")
                    .doesNotContain(key);
        }
    }
}
