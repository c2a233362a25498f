package dev.metis.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.metis.testing.FakeVault;
import dev.metis.testing.RawHttp;
import dev.metis.testing.ServerFixture;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code metis serve} with secrets from Vault: a node whose secrets fail gets 503 for the files that
 * carry them and everything else as usual, {@code /healthz} says degraded, and metrics count failures.
 */
class VaultServeTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TOKEN = "hvs.serve-token-3e9a";
    private static final String MAC2 = "02:00:00:00:00:02";
    /** web-2's static address, where its script may go. */
    private static final String WEB2_ADDRESS = "127.0.0.22";

    @TempDir
    Path dir;

    private FakeVault vault;
    private ServerFixture server;

    @BeforeEach
    void start() throws Exception {
        vault = FakeVault.start().token(TOKEN).secret("secret/data/nodes/web-1", Map.of("k3s_token", "K10-web-1"));
        server = new ServerFixture(dir).withEnvironment(Map.of("VAULT_ADDR", vault.address(), "VAULT_TOKEN", TOKEN));
        Files.writeString(server.inventory, server.inventoryYaml("  secrets: {source: vault, vault: {ttl: 0s, timeout: 1s}}\n", ""));
        server.start();
    }

    @AfterEach
    void stop() throws Exception {
        server.close();
        vault.close();
    }

    private JsonNode json(String path) throws Exception {
        HttpResponse<String> response = server.get(path);
        assertThat(response.statusCode()).as(path).isEqualTo(200);
        return JSON.readTree(response.body());
    }

    @Test
    void aNodeWithoutItsSecretGets503ForSecretBearingFilesOnly() throws Exception {
        String missing = "node web-2: Vault secret secret/data/nodes/web-2 at " + vault.address() + ": not found (HTTP 404)";
        HttpResponse<String> refused = server.get("/ipxe/" + MAC2);
        assertThat(refused.statusCode()).isEqualTo(503);
        assertThat(JSON.readTree(refused.body()).get("error").asText()).isEqualTo(missing);
        // Without a script there is no seed token, so user-data is refused before Vault is asked.
        assertThat(server.get("/nocloud/" + MAC2 + "/user-data").statusCode()).isEqualTo(403);
        for (String file : List.of("meta-data", "network-config", "vendor-data")) {
            assertThat(server.get("/nocloud/" + MAC2 + "/" + file).statusCode()).as(file).isEqualTo(200);
        }
        assertThat(server.get(server.seedPath(ServerFixture.MAC) + "user-data").body()).contains("token: K10-web-1");

        JsonNode health = json("/healthz");
        assertThat(health.get("status").asText()).isEqualTo("degraded");
        assertThat(health.at("/secrets/nodes/web-2").asText()).isEqualTo(missing);
        JsonNode node = json("/api/v1/nodes/web-2");
        assertThat(node.get("secrets_error").asText()).isEqualTo(missing);
        assertThat(node.get("config_hash").asText()).hasSize(64);
        assertThat(node.get("state").asText()).isEqualTo("armed");
        assertThat(server.get("/metrics").body())
                .contains("metis_vault_failures_total{reason=\"missing\"} 1.0")
                .contains("metis_vault_requests_total 3.0")
                .contains("metis_http_requests_total{route=\"/ipxe/{mac}\",status=\"503\"} 1.0");

        vault.secret("secret/data/nodes/web-2", Map.of("k3s_token", "K10-web-2"));
        assertThat(RawHttp.get(WEB2_ADDRESS, server.port, server.seedPath(MAC2, WEB2_ADDRESS) + "user-data").body())
                .contains("token: K10-web-2");
        assertThat(json("/healthz").get("status").asText()).isEqualTo("ok");
        assertThat(json("/api/v1/nodes/web-2").has("secrets_error")).isFalse();
    }

    @Test
    void userDataIs503WhenTheSecretFailsAfterTheScript() throws Exception {
        String seed = server.seedPath(ServerFixture.MAC);
        vault.forbid("secret/data/nodes/web-1");
        HttpResponse<String> refused = server.get(seed + "user-data");
        assertThat(refused.statusCode()).isEqualTo(503);
        assertThat(refused.body()).contains("node web-1: Vault secret secret/data/nodes/web-1").doesNotContain("K10-web-1");
        assertThat(server.get(seed + "meta-data").statusCode()).isEqualTo(200);
    }

    @Test
    void anOutageEndsWhenVaultAnswersAgainForAnyNode() throws Exception {
        vault.delay(Duration.ofSeconds(2));
        HttpResponse<String> slow = server.get("/ipxe/" + MAC2);
        assertThat(slow.statusCode()).isEqualTo(503);
        assertThat(slow.body()).contains("no answer within 1000 ms").doesNotContain(TOKEN);
        assertThat(json("/healthz").at("/secrets/status").asText()).isEqualTo("failing");
        assertThat(server.get("/metrics").body()).contains("metis_vault_failures_total{reason=\"timeout\"} 1.0");

        vault.delay(Duration.ZERO);
        assertThat(server.get(server.seedPath(ServerFixture.MAC) + "user-data").statusCode()).isEqualTo(200);
        assertThat(json("/healthz").get("status").asText()).isEqualTo("ok");
    }

    @Test
    void aSlowVaultDoesNotHoldUpOtherRequests() throws Exception {
        // A Vault that answers only when the test lets it: no figure of time decides the outcome.
        Files.writeString(server.inventory, server.inventoryYaml("  secrets: {source: vault, vault: {ttl: 0s, timeout: 5m}}\n", ""));
        for (int i = 0; i < 600 && json("/healthz").get("inventory_generation").asInt() < 2; i++) {
            Thread.sleep(100);
        }
        String seed = server.seedPath(ServerFixture.MAC);
        vault.hold();
        List<CompletableFuture<HttpResponse<String>>> waiting = new ArrayList<>();
        java.net.http.HttpClient client = java.net.http.HttpClient.newHttpClient();
        for (int i = 0; i < 12; i++) {
            waiting.add(client.sendAsync(java.net.http.HttpRequest.newBuilder(
                    server.uri(seed + "user-data")).build(), HttpResponse.BodyHandlers.ofString()));
        }
        for (int i = 0; i < 600 && vault.held() == 0; i++) {
            Thread.sleep(100);
        }
        try {
            assertThat(vault.held()).as("user-data waiting for Vault").isPositive();
            // Bounded, so that answers stuck behind Vault fail the test instead of hanging it.
            for (String path : List.of("/healthz", "/assets/debian/initrd.gz", "/nocloud/" + ServerFixture.MAC + "/meta-data")) {
                assertThat(client.sendAsync(java.net.http.HttpRequest.newBuilder(server.uri(path)).build(),
                        HttpResponse.BodyHandlers.discarding()).get(60, java.util.concurrent.TimeUnit.SECONDS).statusCode())
                        .as(path).isEqualTo(200);
            }
            assertThat(waiting).as("answered while Vault still holds every user-data").noneMatch(CompletableFuture::isDone);
        } finally {
            vault.release();
        }
        for (CompletableFuture<HttpResponse<String>> answer : waiting) {
            assertThat(answer.get().body()).contains("token: K10-web-1");
        }
    }

    @Test
    void pipelinedAnswersKeepTheOrderOfTheirRequests() throws Exception {
        String seed = server.seedPath(ServerFixture.MAC);
        vault.delay(Duration.ofMillis(300));
        String answers = RawHttp.exchange(server.port, "GET " + seed + "user-data HTTP/1.1\r\nHost: x\r\n\r\n"
                + "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        assertThat(answers.indexOf("#cloud-config")).isPositive().isLessThan(answers.indexOf("\"inventory_generation\""));
    }
}
