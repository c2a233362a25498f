package dev.metis.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.metis.testing.FakeVault;
import dev.metis.testing.LogCapture;
import dev.metis.testing.ServerFixture;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The server hands a node its secrets in its user-data and nowhere else: not the API, metrics or logs. */
class ServeCanaryTest {

    private static final String CANARY = "CANARY-serve-51d2e8";

    @TempDir
    Path dir;

    @Test
    void secretsReachOnlyTheNodesOwnUserData() throws Exception {
        ServerFixture server = new ServerFixture(dir);
        server.withSecretsFile("nodes:\n  web-1:\n    k3s_token: " + CANARY + "\n");
        try (LogCapture logs = new LogCapture(); ServerFixture running = server.start()) {
            String seed = running.seedPath(ServerFixture.MAC);
            assertThat(running.get(seed + "user-data").body()).contains("token: " + CANARY);
            assertThat(running.get("/nocloud/02:00:00:00:00:02/user-data").body()).doesNotContain(CANARY);
            StringBuilder elsewhere = new StringBuilder();
            for (String path : new String[] {"/nocloud/" + ServerFixture.MAC + "/user-data",
                    "/nocloud/" + ServerFixture.MAC + "/not-the-token/user-data", "/ipxe/" + ServerFixture.MAC,
                    "/api/v1/nodes", "/api/v1/nodes/web-1", "/api/v1/nodes/web-1/config", "/api/v1/burns", "/",
                    "/healthz", "/boot.ipxe", "/nocloud/" + ServerFixture.MAC + "/meta-data",
                    "/nocloud/" + ServerFixture.MAC + "/network-config", "/nocloud/" + ServerFixture.MAC + "/vendor-data"}) {
                elsewhere.append(running.get(path).body());
            }
            elsewhere.append(running.post(running.phoneHomePath("web-1", ServerFixture.MAC), "hostname=web-1").body());
            elsewhere.append(running.get("/metrics").body());
            assertThat(elsewhere.toString()).doesNotContain(CANARY).contains("\"k3s_token\":\"<redacted>\"");
            elsewhere.append(running.get(seed + "user-data").body());
            running.stop();
            String token = seed.split("/")[3];
            assertThat(logs.text()).contains("phoned home")
                    .contains("\"GET /nocloud/" + ServerFixture.MAC + "/" + token.substring(0, 6) + ".../user-data\" 200")
                    .doesNotContain(CANARY, token);
        }
    }

    @Test
    void aCanaryInVaultReachesOnlyItsOwnNodesUserData() throws Exception {
        String secretId = "approle-secret-" + CANARY;
        try (FakeVault vault = FakeVault.start().appRole("role-" + CANARY, secretId)
                .secret("secret/data/nodes/web-1", Map.of("k3s_token", CANARY + "-token",
                        "extra", Map.of("psk", CANARY + "-extra"),
                        "cloud_init", Map.of("bootcmd", List.of("echo " + CANARY + "-cloud-init"))))
                .forbid("secret/data/nodes/web-2");
                LogCapture logs = new LogCapture()) {
            ServerFixture server = new ServerFixture(dir).withEnvironment(Map.of("VAULT_ADDR", vault.address(),
                    "VAULT_ROLE_ID", "role-" + CANARY, "VAULT_SECRET_ID", secretId));
            Files.writeString(server.inventory, server.inventoryYaml("  secrets: {source: vault}\n",
                    "    files: {/etc/psk: {content: \"{{secrets.extra.psk}}\"}}\n"));
            try (ServerFixture running = server.start()) {
                assertThat(running.get(running.seedPath(ServerFixture.MAC) + "user-data").body())
                        .contains("token: " + CANARY + "-token", "content: " + CANARY + "-extra", "echo " + CANARY + "-cloud-init");
                HttpResponse<String> other = running.get("/ipxe/02:00:00:00:00:02");
                assertThat(other.statusCode()).isEqualTo(503);
                StringBuilder elsewhere = new StringBuilder(other.body());
                for (String path : new String[] {"/ipxe/" + ServerFixture.MAC, "/nocloud/02:00:00:00:00:02/user-data",
                        "/nocloud/" + ServerFixture.MAC + "/user-data", "/api/v1/nodes",
                        "/api/v1/nodes/web-1", "/api/v1/nodes/web-2", "/api/v1/nodes/web-1/config",
                        "/api/v1/nodes/web-2/config", "/healthz", "/nocloud/" + ServerFixture.MAC + "/meta-data",
                        "/nocloud/" + ServerFixture.MAC + "/network-config", "/metrics"}) {
                    elsewhere.append(running.get(path).body());
                }
                elsewhere.append(running.post(running.phoneHomePath("web-1", ServerFixture.MAC), "hostname=web-1").body());
                elsewhere.append(running.post("/api/v1/nodes/web-1/reprovision", "").body());
                assertThat(elsewhere.toString()).contains("permission denied", "\"psk\":\"<redacted>\"").doesNotContain(CANARY, "hvs.approle-1");
            }
            assertThat(vault.requests("POST", "/v1/auth/token/revoke-self")).hasSize(1);
            assertThat(logs.text()).contains("node web-2: Vault secret secret/data/nodes/web-2")
                    .doesNotContain(CANARY, "hvs.approle-1");
        }
    }

    /** What a reload logs about a bad secrets edit names the place and the mistake, as the commands do. */
    @Test
    void aBadSecretsEditIsLoggedOnReloadWithoutItsText() throws Exception {
        ServerFixture server = new ServerFixture(dir);
        Path secrets = server.withSecretsFile("nodes:\n  web-1:\n    k3s_token: " + CANARY + "\n");
        List<String> edits = List.of("nodes:\n  web-1:\n    k3s_token: *%s\n", "nodes:\n  web-1:\n    k3s_token: !!%s x\n",
                "nodes:\n  web-1:\n    k3s_token: \"\\u%s\"\n", "nodes:\n  web-1: {extra: {psk: %s, wifi: }}\n");
        try (LogCapture logs = new LogCapture(); ServerFixture running = server.start()) {
            for (int i = 0; i < edits.size(); i++) {
                Files.writeString(secrets, edits.get(i).formatted(CANARY));
                awaitFailedReloads(running, i + 1);
            }
            assertThat(running.get("/healthz").body()).contains("\"inventory_generation\":1");
            assertThat(logs.text()).contains("secrets.yaml:3:16: YAML syntax: an alias (*name) names no anchor",
                    "secrets.yaml:3:16: YAML syntax: '!!' tags are not allowed", "secrets.yaml:3:19: YAML syntax: not valid YAML here",
                    "secrets.yaml:2:45: secrets.nodes.web-1.extra.wifi: no value").doesNotContain("CANA");
        }
    }

    /** A proxy or captive portal in front of Vault: /healthz and the API say what failed, never what it answered. */
    @Test
    void aPageInsteadOfVaultsAnswerIsDescribedNotQuoted() throws Exception {
        try (FakeVault vault = FakeVault.start().appRole("role-1", "secret-1"); LogCapture logs = new LogCapture()) {
            vault.proxyAnswers(200, "text/html", "<html>" + CANARY + "-portal</html>");
            ServerFixture server = new ServerFixture(dir).withEnvironment(Map.of("VAULT_ADDR", vault.address(),
                    "VAULT_ROLE_ID", "role-1", "VAULT_SECRET_ID", "secret-1"));
            Files.writeString(server.inventory, server.inventoryYaml("  secrets: {source: vault}\n", ""));
            try (ServerFixture running = server.start()) {
                assertThat(running.get("/ipxe/" + ServerFixture.MAC).statusCode()).isEqualTo(503);
                StringBuilder shown = new StringBuilder();
                for (String path : new String[] {"/healthz", "/api/v1/nodes", "/api/v1/nodes/web-1"}) {
                    shown.append(running.get(path).body());
                }
                assertThat(shown.toString()).contains("AppRole login failed: an answer that is not Vault's JSON (HTTP 200)")
                        .doesNotContain(CANARY);
            }
            assertThat(logs.text()).contains("AppRole login failed").doesNotContain(CANARY);
        }
    }

    private static void awaitFailedReloads(ServerFixture running, int count) throws Exception {
        String line = "metis_inventory_reloads_total{result=\"failure\"} " + count + ".0";
        for (int i = 0; i < 300 && !running.get("/metrics").body().contains(line); i++) {
            Thread.sleep(100);
        }
        assertThat(running.get("/metrics").body()).contains(line);
    }
}
