package dev.metis.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.metis.inventory.InventoryLoader;
import dev.metis.inventory.ResolvedNode;
import dev.metis.state.BurnHistory;
import dev.metis.testing.ExternalTool;
import dev.metis.testing.ServerFixture;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The web page in a real browser: headless Debian Chromium, driven by Playwright from
 * {@code src/test/browser/webpage.mjs}, against a server on the repository's example inventory. Leaves
 * {@code target/webpage-screenshot.png} (and {@code -node.png}, the node page) for people to look at.
 */
class WebPageIT {

    private static final Path EXAMPLE = Path.of("deploy/example");
    private static final Path BROWSER_TEST = Path.of("src/test/browser");
    private static final Path SCREENSHOT = Path.of("target/webpage-screenshot.png").toAbsolutePath();
    private static final String UNKNOWN_MAC = "52:54:00:20:00:99";

    @TempDir
    Path dir;

    @Test
    void theBrowserShowsTheInventoryAndReArmsANode() throws Exception {
        Path node = ExternalTool.require("node");
        ExternalTool.require("chromium");
        if (!Files.isDirectory(BROWSER_TEST.resolve("node_modules/playwright-core"))) {
            ExternalTool.unavailable("playwright-core is not installed in " + BROWSER_TEST
                    + " (deploy/dev/setup test runs npm ci there)");
        }
        ServerFixture server = new ServerFixture(dir);
        copyExample(server.inventory);
        // and one node whose address the site's DHCP server gives (reservation mode)
        Files.writeString(server.inventory, "  dhcp-01: {class: amd64-agent, mac: \"52:54:00:20:00:23\", gateway: null}\n",
                StandardOpenOption.APPEND);
        List<Map<String, String>> rows = new ArrayList<>();
        for (ResolvedNode n : InventoryLoader.load(server.inventory).nodes()) {
            rows.add(Map.of("name", n.name(), "class", n.nodeClass(), "mac", n.spec().mac().toString(),
                    "ip", n.spec().ip() == null ? "DHCP" : n.spec().ip().toString()));
        }
        Path expected = dir.resolve("expected.json");
        // cp-03 removes the control-plane taint its class sets
        Map<String, String> removed = Map.of("node", "cp-03", "path", "k3s.taints.\"node-role.kubernetes.io/control-plane\"",
                "by", "removed by node cp-03", "value", "null (was NoSchedule, set by class control-plane at inventory.yaml:");
        // The example's kernels are under debian-12/, which the fixture's boot assets do not have.
        new ObjectMapper().writeValue(expected.toFile(), Map.of("nodes", rows, "discovered", List.of(UNKNOWN_MAC),
                "rearm", "cp-01", "removed", removed,
                "missing", Map.of("field", "netboot.kernel", "problem", "no such file")));
        recordBurns(new BurnHistory(server.state));
        Files.deleteIfExists(SCREENSHOT);
        Assumptions.assumeTrue("root".equals(System.getProperty("user.name")), "SO_BINDTODEVICE needs root");
        server.withDhcpOnLoopback();

        try (ServerFixture running = server.start()) {
            // Some history for the page to show: two servers installed, one mid-install, one agent
            // provisioned with a config the inventory has since moved on from, and a stranger asking to boot.
            for (String mac : new String[] {"52:54:00:20:00:11", "52:54:00:20:00:12", "52:54:00:20:00:13"}) {
                running.dhcpRequest(mac, "127.0.0.1");
                assertThat(running.get("/ipxe/" + mac).statusCode()).isEqualTo(200);
            }
            running.post(running.phoneHomePath("cp-01", "52:54:00:20:00:11"), "hostname=cp-01");
            running.post(running.phoneHomePath("cp-02", "52:54:00:20:00:12"), "hostname=cp-02");
            running.post(running.phoneHomePath("nuc-01", "52:54:00:20:00:21"), "hostname=nuc-01&instance_id=metis-0123456789abcdef");
            running.get("/ipxe/" + UNKNOWN_MAC);
            running.awaitAssetsChecked();

            ExternalTool.Result browser = ExternalTool.run(BROWSER_TEST, node.toString(), "webpage.mjs",
                    "http://127.0.0.1:" + running.port + "/", ServerFixture.ADMIN_TOKEN, SCREENSHOT.toString(),
                    expected.toString());
            assertThat(browser.exitCode()).as(browser.all()).isZero();
            assertThat(running.get("/api/v1/nodes/cp-01").body()).contains("\"state\":\"armed\"");
        }
        byte[] png = Files.readAllBytes(SCREENSHOT);
        assertThat(png).startsWith(0x89, 'P', 'N', 'G');
        assertThat(SCREENSHOT.resolveSibling("webpage-screenshot-node.png")).exists();
    }

    /** The example inventory as it is, with its secrets file (0600, as Metis wants) and overlays. */
    private static void copyExample(Path inventory) throws Exception {
        Path target = inventory.getParent();
        try (Stream<Path> files = Files.walk(EXAMPLE)) {
            for (Path file : files.filter(Files::isRegularFile).toList()) {
                Path copy = target.resolve(EXAMPLE.relativize(file).toString());
                Files.createDirectories(copy.getParent());
                Files.copy(file, copy, StandardCopyOption.REPLACE_EXISTING);
            }
        }
        Files.setPosixFilePermissions(target.resolve("secrets.yaml"), PosixFilePermissions.fromString("rw-------"));
    }

    private static void recordBurns(BurnHistory history) throws Exception {
        String image = "images/ubuntu-24.04-preinstalled-server-arm64+raspi.img.xz";
        history.append(new BurnHistory.Burn(Instant.now().minusSeconds(7200), "pi4-01", BurnHistory.BURN, "/dev/sdb",
                image, null, BurnHistory.OK, null, 3_925_000_000L, 212.4, "metis-5f0c2a91d3e4b716"));
        history.append(new BurnHistory.Burn(Instant.now().minusSeconds(3600), "pi5-01", BurnHistory.IMAGE,
                "pi5-01.img", image, null, BurnHistory.OK, null, 3_925_000_000L, 48.9, "metis-a1b2c3d4e5f60718"));
    }
}
