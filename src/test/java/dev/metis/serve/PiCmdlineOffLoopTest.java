package dev.metis.serve;

import static org.assertj.core.api.Assertions.assertThat;

import dev.metis.testing.FakeVault;
import dev.metis.testing.ServerFixture;
import java.io.ByteArrayOutputStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.commons.net.tftp.TFTP;
import org.apache.commons.net.tftp.TFTPClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Pi's cmdline.txt is rendered with its secrets, which may come from Vault; TFTP has one event loop for
 * every transfer, so that lookup must not run on it: while Vault holds a Pi's cmdline.txt, another
 * client's transfer completes.
 */
class PiCmdlineOffLoopTest {

    private static final String TOKEN = "hvs.tftp-token-71c2";
    private static final String SERIAL = "0a1b2c3d";
    /** pi-1's static address: where its cmdline.txt may go, and where the test's Pi speaks from. */
    private static final String PI_ADDRESS = "127.0.0.40";

    @TempDir
    Path dir;

    @Test
    void aVaultThatHangsOnAPisCmdlineHoldsUpNoOtherTransfer() throws Exception {
        try (FakeVault vault = FakeVault.start().token(TOKEN)
                .secret("secret/data/nodes/pi-1", Map.of("k3s_token", "K10-pi-1"))) {
            ServerFixture server = new ServerFixture(dir).withEnvironment(Map.of("VAULT_ADDR", vault.address(),
                    "VAULT_TOKEN", TOKEN));
            Files.createDirectories(dir.resolve("firmware"));
            Files.writeString(server.inventory, server.inventoryYaml(
                    "  secrets: {source: vault, vault: {ttl: 0s, timeout: 5m}}\n", "") + """
                      pi-1:
                        class: net
                        arch: arm64
                        mac: "dc:a6:32:01:02:03"
                        ip: %s/8
                        serial: %s
                        netboot: {firmware_dir: firmware, cmdline: "console=serial0,115200"}
                    """.formatted(PI_ADDRESS, SERIAL));
            byte[] ipxe = ServerFixture.pattern(200_000);
            Files.write(server.tftpRoot.resolve("ipxe.efi"), ipxe);
            try (ServerFixture running = server.start()) {
                vault.hold();
                CompletableFuture<String> cmdline;
                try {
                    cmdline = CompletableFuture.supplyAsync(() -> fetch(PI_ADDRESS, SERIAL + "/cmdline.txt", running));
                    for (int i = 0; i < 600 && vault.held() == 0; i++) {
                        Thread.sleep(100);
                    }
                    assertThat(vault.held()).as("cmdline.txt waiting for Vault").isPositive();
                    // commons-net gives up after its own timeouts, so a blocked loop fails here rather than hangs
                    assertThat(fetch("127.0.0.2", "ipxe.efi", running).getBytes(StandardCharsets.ISO_8859_1)).isEqualTo(ipxe);
                    assertThat(cmdline).as("still waiting for Vault").isNotDone();
                } finally {
                    vault.release();
                }
                assertThat(cmdline.get(60, TimeUnit.SECONDS)).startsWith("console=serial0,115200 ds=nocloud-net;s=");
            }
        }
    }

    /** The file as a TFTP client speaking from {@code source} receives it (bytes as ISO-8859-1 text). */
    private static String fetch(String source, String path, ServerFixture server) {
        TFTPClient tftp = new TFTPClient();
        try {
            tftp.open(0, InetAddress.getByName(source));
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            tftp.receiveFile(path, TFTP.BINARY_MODE, out, InetAddress.getByName("127.0.0.1"), server.tftpPort);
            return out.toString(StandardCharsets.ISO_8859_1);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(source + " " + path + ": " + e.getMessage(), e);
        } finally {
            tftp.close();
        }
    }
}
