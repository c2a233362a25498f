package dev.metis.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.metis.testing.ExternalTool;
import dev.metis.testing.FakeVault;
import dev.metis.testing.MetisProcess;
import dev.metis.testing.ServerFixture;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code metis serve} as users run it: the jar, killed with -9, checked by Prometheus' own tool. */
class ServeProcessIT {

    @TempDir
    Path dir;

    private MetisProcess serve(ServerFixture fixture) throws Exception {
        return serve(fixture, Map.of());
    }

    private MetisProcess serve(ServerFixture fixture, Map<String, String> env) throws Exception {
        return MetisProcess.start(dir, serveArguments(fixture), fixture.port, env);
    }

    private static List<String> serveArguments(ServerFixture fixture) {
        return List.of("serve", "--no-dhcp", "--no-tftp", "--inventory", fixture.inventory.toString(),
                "--state-dir", fixture.state.toString(), "--boot-assets", fixture.assets.toString(),
                "--http-addr", "127.0.0.1", "--http-port", Integer.toString(fixture.port));
    }

    private static void promtoolAccepts(Path dir, String metrics) throws Exception {
        Path file = dir.resolve("metrics.txt");
        Files.writeString(file, metrics);
        ExternalTool.Result check = ExternalTool.run(dir, "sh", "-c", ExternalTool.require("promtool") + " check metrics < " + file);
        assertThat(check.exitCode()).as(check.all()).isZero();
    }

    @Test
    void nodeStateSurvivesKillDashNine() throws Exception {
        ServerFixture fixture = new ServerFixture(dir);
        try (MetisProcess first = serve(fixture)) {
            fixture.get("/ipxe/" + ServerFixture.MAC);
            assertThat(fixture.post(fixture.phoneHomePath("web-1", ServerFixture.MAC), "hostname=web-1").statusCode()).isEqualTo(200);
            first.kill9();
        }
        try (MetisProcess second = serve(fixture)) {
            assertThat(fixture.get("/api/v1/nodes/web-1").body()).contains("\"state\":\"provisioned\"");
            assertThat(fixture.get("/ipxe/" + ServerFixture.MAC).body()).endsWith("exit 1\n");
            assertThat(fixture.post("/api/v1/nodes/web-1/reprovision", "", "Authorization", "Bearer " + ServerFixture.ADMIN_TOKEN)
                    .statusCode()).isEqualTo(200);
            second.kill9();
        }
        try (MetisProcess third = serve(fixture)) {
            assertThat(fixture.get("/api/v1/nodes/web-1").body()).contains("\"state\":\"armed\"");
        }
    }

    @Test
    void metricsPassPromtoolAndTheLogNamesEachService() throws Exception {
        ServerFixture fixture = new ServerFixture(dir);
        try (MetisProcess metis = serve(fixture)) {
            fixture.get("/boot.ipxe");
            String seed = fixture.seedPath(ServerFixture.MAC);
            fixture.get(seed + "user-data");
            fixture.get("/nocloud/" + ServerFixture.MAC + "/user-data");
            fixture.get("/assets/debian/vmlinuz");
            fixture.get("/nope");
            String metrics = fixture.get("/metrics").body();
            assertThat(metrics).contains("metis_http_requests_total{route=\"/nocloud/{mac}/{token}/{file}\",status=\"200\"}")
                    .contains("metis_http_sent_bytes_total{route=\"/assets\"} 300000.0")
                    .contains("metis_nodes{state=\"booting\"} 1.0")
                    .contains("metis_seed_refusals_total{file=\"user-data\",reason=\"no-token\"} 1.0")
                    .contains("metis_inventory_reloads_total")
                    .contains("metis_node_events_total{event=\"script\"} 1.0")
                    .contains("metis_burns_total{kind=\"burn\",result=\"ok\"} 0.0")
                    .contains("metis_dhcp_requests_total{port=\"dhcp\",result=\"answered\"} 0.0");
            promtoolAccepts(dir, metrics);
            String token = seed.split("/")[3];
            assertThat(Files.readString(metis.log)).contains("HTTP listening on /127.0.0.1:" + fixture.port)
                    .contains("\"GET /nocloud/" + ServerFixture.MAC + "/" + token.substring(0, 6) + ".../user-data\" 200")
                    .contains("seed refused: at=").contains("node=web-1 mac=" + ServerFixture.MAC + " from=127.0.0.1 "
                            + "file=user-data reason=no-token")
                    .doesNotContain(token);
        }
    }

    @Test
    void aPortInUseIsNamedWithItsAddress() throws Exception {
        ServerFixture fixture = new ServerFixture(dir);
        try (ServerSocket taken = new ServerSocket(fixture.port, 1, InetAddress.getByName("127.0.0.1"))) {
            List<String> command = new ArrayList<>(MetisProcess.javaJar());
            command.addAll(serveArguments(fixture));
            ExternalTool.Result refused = ExternalTool.run(dir, command.toArray(String[]::new));
            assertThat(refused.exitCode()).as(refused.all()).isEqualTo(1);
            assertThat(refused.all()).contains("metis: cannot listen for HTTP on TCP 127.0.0.1:" + fixture.port + ": ")
                    .contains("another program listens there: stop it, or choose another --http-addr or --http-port");
        }
    }

    /** The shaded jar carries spring-vault and the Spring jars it needs, and logs no secret. */
    @Test
    void theJarServesSecretsFromVault() throws Exception {
        String token = "hvs.jar-token-5f1c";
        try (FakeVault vault = FakeVault.start().token(token)
                .secret("secret/data/nodes/web-1", Map.of("k3s_token", "K10-through-the-jar"))) {
            ServerFixture fixture = new ServerFixture(dir);
            Files.writeString(fixture.inventory, fixture.inventoryYaml("  secrets: {source: vault}\n", ""));
            try (MetisProcess metis = serve(fixture, Map.of("VAULT_ADDR", vault.address(), "VAULT_TOKEN", token))) {
                assertThat(fixture.get(fixture.seedPath(ServerFixture.MAC) + "user-data").body())
                        .contains("token: K10-through-the-jar");
                assertThat(fixture.get("/ipxe/02:00:00:00:00:02").statusCode()).isEqualTo(503);
                assertThat(fixture.get("/healthz").body()).contains("\"status\":\"degraded\"");
                String metrics = fixture.get("/metrics").body();
                // web-1's script reads its secret, its user-data reuses it; web-2's script finds none
                assertThat(metrics).contains("metis_vault_requests_total 2.0", "metis_vault_failures_total{reason=\"missing\"} 1.0",
                        "metis_vault_cache_hits_total 1.0");
                promtoolAccepts(dir, metrics);
                assertThat(Files.readString(metis.log)).contains("node web-2: Vault secret secret/data/nodes/web-2")
                        .doesNotContain(token, "K10-through-the-jar");
            }
        }
    }
}
