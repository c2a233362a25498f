package dev.metis.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.metis.state.BurnHistory;
import dev.metis.testing.ServerFixture;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The web page's files come from the jar under a strict policy; its read-only API answers what the page shows. */
class WebRoutesTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @Test
    void thePageAndItsAssetsComeFromTheJarUnderAStrictPolicy() throws Exception {
        try (ServerFixture running = new ServerFixture(dir).start()) {
            HttpResponse<String> index = running.get("/");
            assertThat(index.statusCode()).isEqualTo(200);
            assertThat(index.headers().firstValue("content-type")).hasValue("text/html; charset=utf-8");
            assertThat(index.headers().firstValue("content-security-policy")).get().asString()
                    .startsWith("default-src 'self';").contains("frame-ancestors 'none'");
            assertThat(index.headers().firstValue("x-content-type-options")).hasValue("nosniff");
            assertThat(index.body()).contains("<script type=\"module\" src=\"/web/app.js\"></script>");
            assertThat(running.get("/web/app.js").headers().firstValue("content-type"))
                    .hasValue("text/javascript; charset=utf-8");
            assertThat(running.get("/web/app.css").headers().firstValue("content-type")).hasValue("text/css; charset=utf-8");
            for (String missing : new String[] {"/web/nope.js", "/web/..%2Flogback.xml", "/web/logback.xml",
                    "/web/app.js.map", "/web/dev"}) {
                assertThat(running.get(missing).statusCode()).as(missing).isIn(400, 404);
            }
            assertThat(running.post("/", "").statusCode()).isEqualTo(405);
        }
    }

    @Test
    void theConfigRouteGivesTheMergedConfigWithProvenanceAndRedactedSecrets() throws Exception {
        ServerFixture server = new ServerFixture(dir);
        server.withSecretsFile("nodes:\n  web-1:\n    k3s_token: tok-3a9c1\n");
        try (ServerFixture running = server.start()) {
            HttpResponse<String> answer = running.get("/api/v1/nodes/web-1/config");
            assertThat(answer.statusCode()).isEqualTo(200);
            assertThat(answer.body()).doesNotContain("tok-3a9c1", dir.toString());
            JsonNode config = JSON.readTree(answer.body());
            assertThat(config.at("/config/class_chain/0").asText()).isEqualTo("net");
            assertThat(config.at("/config/secrets/k3s_token").asText()).isEqualTo("<redacted>");
            JsonNode role = explained(config, "k3s.role");
            assertThat(role.get("value").asText()).isEqualTo("agent");
            assertThat(role.get("layer").asText()).isEqualTo("class net");
            assertThat(role.get("file").asText()).isEqualTo("inventory.yaml");
            assertThat(role.get("line").asInt()).isEqualTo(Files.readAllLines(server.inventory).stream()
                    .takeWhile(l -> !l.contains("k3s: {role: agent}")).count() + 1);
            assertThat(explained(config, "secrets.k3s_token").get("layer").asText()).isEqualTo("secret source");
            assertThat(running.get("/api/v1/nodes/nope/config").statusCode()).isEqualTo(404);
            assertThat(running.get("/api/v1/nodes/web-1/other").statusCode()).isEqualTo(404);
            assertThat(running.post("/api/v1/nodes/web-1/config", "").statusCode()).isEqualTo(401);
        }
    }

    @Test
    void theConfigRouteNamesWhatANullRemovedAndWhere() throws Exception {
        ServerFixture server = new ServerFixture(dir);
        Files.writeString(server.inventory, server.inventoryYaml("    gateway: null\n"));
        try (ServerFixture running = server.start()) {
            JsonNode config = JSON.readTree(running.get("/api/v1/nodes/web-1/config").body());
            assertThat(config.at("/config/gateway").isMissingNode()).isTrue();
            JsonNode gateway = explained(config, "gateway");
            assertThat(gateway.get("value").asText()).isEqualTo("null");
            assertThat(gateway.get("layer").asText()).isEqualTo("node web-1");
            assertThat(gateway.get("line").asInt()).isEqualTo(lineOf(server.inventory, "gateway: null"));
            JsonNode removed = gateway.get("removed");
            assertThat(removed.get("value").asText()).isEqualTo("127.0.0.254");
            assertThat(removed.get("layer").asText()).isEqualTo("class net");
            assertThat(removed.get("file").asText()).isEqualTo("inventory.yaml");
            assertThat(removed.get("line").asInt()).isEqualTo(lineOf(server.inventory, "gateway: 127.0.0.254"));
            assertThat(explained(config, "k3s.role").has("removed")).isFalse();
        }
    }

    private static int lineOf(Path file, String text) throws java.io.IOException {
        return (int) Files.readAllLines(file).stream().takeWhile(l -> !l.contains(text)).count() + 1;
    }

    @Test
    void theBurnRouteGivesTheRecentBurnsNewestLast() throws Exception {
        ServerFixture server = new ServerFixture(dir);
        BurnHistory history = new BurnHistory(server.state);
        history.append(new BurnHistory.Burn(Instant.parse("2026-01-02T03:04:05Z"), "web-1", BurnHistory.IMAGE,
                "web-1.img", "golden.img.xz", "ab12", BurnHistory.OK, null, 4096, 1.5, "metis-0123"));
        history.append(new BurnHistory.Burn(Instant.parse("2026-01-02T04:00:00Z"), "web-2", BurnHistory.BURN,
                "/dev/sdz", "golden.img.xz", null, BurnHistory.FAILED, "card removed", 0, 0.2, null));
        try (ServerFixture running = server.start()) {
            assertThat(JSON.readTree(running.get("/api/v1/burns").body()).toString()).isEqualTo(
                    "{\"burns\":[{\"at\":\"2026-01-02T03:04:05Z\",\"node\":\"web-1\",\"kind\":\"image\","
                    + "\"target\":\"web-1.img\",\"image\":\"golden.img.xz\",\"image_sha256\":\"ab12\",\"result\":\"ok\","
                    + "\"bytes\":4096,\"seconds\":1.5,\"instance_id\":\"metis-0123\"},{\"at\":\"2026-01-02T04:00:00Z\","
                    + "\"node\":\"web-2\",\"kind\":\"burn\",\"target\":\"/dev/sdz\",\"image\":\"golden.img.xz\","
                    + "\"result\":\"failed\",\"error\":\"card removed\",\"bytes\":0,\"seconds\":0.2}]}");
            assertThat(running.post("/api/v1/burns", "", "Authorization", "Bearer " + ServerFixture.ADMIN_TOKEN)
                    .statusCode()).isEqualTo(405);
            assertThat(running.get("/api/v1/nothing").statusCode()).isEqualTo(404);
            assertThat(running.post("/api/v1/made-up-7f3e", "").statusCode()).isEqualTo(401);
            assertThat(running.get("/metrics").body()).doesNotContain("made-up-7f3e").contains("route=\"/api/v1/burns\"");
        }
    }

    private static JsonNode explained(JsonNode config, String path) {
        for (JsonNode line : config.get("explain")) {
            if (line.get("path").asText().equals(path)) {
                return line;
            }
        }
        throw new AssertionError("no " + path + " in " + config.get("explain"));
    }
}
