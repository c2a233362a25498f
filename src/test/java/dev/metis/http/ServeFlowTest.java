package dev.metis.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.metis.identity.Artifact;
import dev.metis.identity.IdentityRenderer;
import dev.metis.identity.PhoneHomeKeys;
import dev.metis.identity.NodeIdentity;
import dev.metis.inventory.Inventory;
import dev.metis.inventory.InventoryLoader;
import dev.metis.secrets.NodeSecrets;
import dev.metis.state.SiteKeyFile;
import dev.metis.testing.ServerFixture;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole boot flow over real sockets, walked the way iPXE and cloud-init walk it: chain script,
 * per-MAC script, kernel and initrd (with Range), NoCloud files, phone-home, then the exit script.
 */
class ServeFlowTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private ServerFixture server;

    @BeforeEach
    void start() throws Exception {
        server = new ServerFixture(dir).start();
    }

    @AfterEach
    void stop() throws Exception {
        server.close();
    }

    private NodeIdentity expectedIdentity() throws Exception {
        Inventory inventory = InventoryLoader.load(server.inventory);
        return new IdentityRenderer(inventory.site(), new PhoneHomeKeys(SiteKeyFile.loadOrCreate(server.state))).render(inventory.node("web-1").orElseThrow(), NodeSecrets.NONE);
    }

    /** web-1's script as served with {@code seedToken} in its seed URL. */
    private String expectedScript(String seedToken) throws Exception {
        Inventory inventory = InventoryLoader.load(server.inventory);
        byte[] script = new IdentityRenderer(inventory.site(), new PhoneHomeKeys(SiteKeyFile.loadOrCreate(server.state))).bootFile(inventory.node("web-1").orElseThrow(),
                Artifact.IPXE, expectedIdentity().configHash(), seedToken);
        return new String(script, java.nio.charset.StandardCharsets.UTF_8);
    }

    private JsonNode node(String name) throws Exception {
        return JSON.readTree(server.get("/api/v1/nodes/" + name).body());
    }

    @Test
    void aNodeIsProvisionedOnceAndThenBootsFromDisk() throws Exception {
        HttpResponse<String> chain = server.get("/boot.ipxe");
        assertThat(chain.statusCode()).isEqualTo(200);
        assertThat(chain.headers().firstValue("content-length")).hasValue(Integer.toString(chain.body().length()));
        Matcher chainTarget = Pattern.compile("chain (\\S+)\\$\\{mac\\}").matcher(chain.body());
        assertThat(chainTarget.find()).isTrue();
        String scriptUrl = chainTarget.group(1) + ServerFixture.MAC;
        assertThat(scriptUrl).isEqualTo(server.uri("/ipxe/" + ServerFixture.MAC).toString());

        assertThat(node("web-1").get("state").asText()).isEqualTo("armed");
        String script = server.get("/ipxe/" + ServerFixture.MAC).body();
        Matcher seed = Pattern.compile("ds=nocloud-net;s=\\S+/nocloud/" + ServerFixture.MAC + "/([A-Za-z0-9_-]{43})/\\s").matcher(script);
        assertThat(seed.find()).as(script).isTrue();
        assertThat(script).isEqualTo(expectedScript(seed.group(1)));
        assertThat(node("web-1").get("state").asText()).isEqualTo("booting");

        Matcher kernel = Pattern.compile("kernel (\\S+)").matcher(script);
        assertThat(kernel.find()).isTrue();
        HttpResponse<byte[]> whole = server.getBytes(kernel.group(1).replace("http://127.0.0.1:" + server.port, ""));
        assertThat(whole.body()).isEqualTo(ServerFixture.pattern(300_000));
        HttpResponse<byte[]> part = server.getBytes("/assets/debian/vmlinuz", "Range", "bytes=1000-1999");
        assertThat(part.statusCode()).isEqualTo(206);
        assertThat(part.headers().firstValue("content-range")).hasValue("bytes 1000-1999/300000");
        assertThat(part.body()).isEqualTo(Arrays.copyOfRange(ServerFixture.pattern(300_000), 1000, 2000));

        String seedPath = "/nocloud/" + ServerFixture.MAC + "/" + seed.group(1) + "/";
        NodeIdentity expected = expectedIdentity();
        for (String file : new String[] {"meta-data", "user-data", "vendor-data", "network-config"}) {
            HttpResponse<byte[]> answer = server.getBytes(seedPath + file);
            assertThat(answer.statusCode()).as(file).isEqualTo(200);
            assertThat(answer.body()).as(file).isEqualTo(expected.bytes(Artifact.byFileName(file).orElseThrow()));
        }

        HttpResponse<String> phoneHome = server.post(server.phoneHomePath("web-1", ServerFixture.MAC),
                "instance_id=" + expected.instanceId() + "&hostname=web-1&fqdn=web-1.t.example");
        assertThat(phoneHome.statusCode()).isEqualTo(200);
        JsonNode provisioned = node("web-1");
        assertThat(provisioned.get("state").asText()).isEqualTo("provisioned");
        assertThat(provisioned.get("provisioned_hash").asText()).isEqualTo(expected.configHash());
        assertThat(provisioned.get("drift").asBoolean()).isFalse();
        assertThat(provisioned.get("events").findValuesAsText("event")).containsExactly("script", "seed", "phone-home");

        String next = server.get("/ipxe/" + ServerFixture.MAC).body();
        assertThat(next).startsWith("#!ipxe\n").contains("provisioned").endsWith("exit 1\n").doesNotContain("kernel");

        server.stop();
        server.start();
        assertThat(node("web-1").get("state").asText()).isEqualTo("provisioned");
        assertThat(server.get("/ipxe/" + ServerFixture.MAC).body()).endsWith("exit 1\n");
    }

    @Test
    void reprovisioningNeedsTheAdminTokenAndReArmsTheNode() throws Exception {
        NodeIdentity expected = expectedIdentity();
        server.post(server.phoneHomePath("web-1", ServerFixture.MAC), "instance_id=" + expected.instanceId());
        String route = "/api/v1/nodes/web-1/reprovision";
        assertThat(server.post(route, "").statusCode()).isEqualTo(401);
        assertThat(server.post(route, "", "Authorization", "Bearer wrong").statusCode()).isEqualTo(403);
        assertThat(server.post(route, "", "Authorization", "Basic " + ServerFixture.ADMIN_TOKEN).statusCode()).isEqualTo(401);
        assertThat(node("web-1").get("state").asText()).isEqualTo("provisioned");
        assertThat(server.post("/api/v1/nodes/nope/reprovision", "", "Authorization", "Bearer wrong").statusCode())
                .as("an unauthenticated caller learns nothing about node names").isEqualTo(403);

        HttpResponse<String> rearmed = server.post(route, "", "Authorization", "Bearer " + ServerFixture.ADMIN_TOKEN);
        assertThat(rearmed.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(rearmed.body()).get("state").asText()).isEqualTo("armed");
        assertThat(server.get("/ipxe/" + ServerFixture.MAC).body()).contains("kernel ");
    }

    @Test
    void everyApiChangeNeedsTheAdminTokenWhileReadingNeedsNone() throws Exception {
        for (String method : new String[] {"POST", "PUT", "PATCH", "DELETE"}) {
            for (String path : new String[] {"/api/v1/nodes", "/api/v1/nodes/web-1", "/api/v1/nodes/web-1/reprovision",
                    "/api/v1/nodes/web-1/no-such-action", "/api/v1/nodes/nobody/reprovision"}) {
                assertThat(dev.metis.testing.RawHttp.statusLine(server.port, method + " " + path
                        + " HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"))
                        .as(method + " " + path).startsWith("HTTP/1.1 401");
            }
        }
        assertThat(server.get("/api/v1/nodes").statusCode()).isEqualTo(200);
        assertThat(server.get("/api/v1/nodes/web-1").statusCode()).isEqualTo(200);
        assertThat(node("web-1").get("events")).isEmpty();
    }

    @Test
    void anInventoryEditShowsAsDriftAndABadEditKeepsTheLastGoodInventory() throws Exception {
        NodeIdentity before = expectedIdentity();
        server.post(server.phoneHomePath("web-1", ServerFixture.MAC), "instance_id=" + before.instanceId());
        java.nio.file.Files.writeString(server.inventory, server.inventoryYaml("    timezone: Europe/Paris\n"));
        awaitGeneration(2);
        JsonNode drifted = node("web-1");
        assertThat(drifted.get("drift").asBoolean()).isTrue();
        assertThat(drifted.get("config_hash").asText()).isNotEqualTo(before.configHash());

        java.nio.file.Files.writeString(server.inventory, server.inventoryYaml("    mac: not-a-mac\n"));
        // Waits for the rejected reload itself, however slow the machine, rather than for a fixed time.
        String rejected = "metis_inventory_reloads_total{result=\"failure\"} 1.0";
        for (int i = 0; i < 600 && !server.get("/metrics").body().contains(rejected); i++) {
            Thread.sleep(100);
        }
        assertThat(JSON.readTree(server.get("/healthz").body()).get("inventory_generation").asInt()).isEqualTo(2);
        assertThat(server.get("/nocloud/02:00:00:00:00:02/meta-data").statusCode()).isEqualTo(200);
        assertThat(server.get("/metrics").body()).contains("metis_inventory_reloads_total{result=\"failure\"} 1.0")
                .contains("metis_inventory_reloads_total{result=\"success\"} 1.0");
    }

    private void awaitGeneration(int generation) throws Exception {
        for (int i = 0; i < 50; i++) {
            if (JSON.readTree(server.get("/healthz").body()).get("inventory_generation").asInt() >= generation) {
                return;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("inventory was not reloaded");
    }

    @Test
    void unknownMacsAreRecordedAsDiscoveredAndSentToDisk() throws Exception {
        String script = server.get("/ipxe/02-00-00-00-00-99").body();
        assertThat(script).contains("unknown MAC address").endsWith("exit 1\n");
        JsonNode all = JSON.readTree(server.get("/api/v1/nodes").body());
        assertThat(all.get("discovered").get(0).get("mac").asText()).isEqualTo("02:00:00:00:00:99");
        assertThat(all.get("discovered").get(0).get("state").asText()).isEqualTo("discovered");
        assertThat(all.get("nodes").findValuesAsText("name")).containsExactly("web-1", "web-2");
    }

    @Test
    void unknownMacsCanBeIgnored() throws Exception {
        java.nio.file.Files.writeString(server.inventory, server.inventoryYaml("  unknown_macs: ignore\n", ""));
        awaitGeneration(2);
        assertThat(server.get("/ipxe/02:00:00:00:00:98").body()).endsWith("exit 1\n");
        assertThat(JSON.readTree(server.get("/api/v1/nodes").body()).get("discovered")).isEmpty();
    }

    @Test
    void theReprovisionCommandReArmsThroughTheApi() throws Exception {
        server.post(server.phoneHomePath("web-1", ServerFixture.MAC), "instance_id=" + expectedIdentity().instanceId());
        java.nio.file.Path good = dir.resolve("token");
        java.nio.file.Files.writeString(good, ServerFixture.ADMIN_TOKEN + "\n");
        java.nio.file.Path bad = dir.resolve("bad-token");
        java.nio.file.Files.writeString(bad, "nope");
        String url = server.uri("").toString();

        dev.metis.testing.Cli.Run refused = dev.metis.testing.Cli.run("reprovision", "web-1", "--server", url, "--token-file", bad.toString());
        assertThat(refused.exitCode()).isEqualTo(1);
        assertThat(refused.err()).contains("answered 403").doesNotContain(ServerFixture.ADMIN_TOKEN);
        assertThat(node("web-1").get("state").asText()).isEqualTo("provisioned");

        dev.metis.testing.Cli.Run done = dev.metis.testing.Cli.run("reprovision", "web-1", "--server", url, "--token-file", good.toString());
        assertThat(done.exitCode()).as(done.err()).isZero();
        assertThat(done.out()).contains("node web-1 re-armed");
        assertThat(node("web-1").get("state").asText()).isEqualTo("armed");
    }
}
