package dev.metis.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.metis.files.Sha256;
import dev.metis.testing.Mirror;
import dev.metis.testing.RawHttp;
import dev.metis.testing.ServerFixture;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A kernel given by URL and SHA-256, over real sockets: serve fetches it from the (loopback) mirror once, the
 * node's script points iPXE at Metis, and Metis answers only with the bytes the hash names.
 */
class FetchedBootFilesTest {

    private static final byte[] KERNEL = ServerFixture.pattern(200_000);
    private static final String HASH = Sha256.hex(KERNEL);

    @TempDir
    Path dir;
    private Mirror mirror;
    private ServerFixture server;

    @BeforeEach
    void setUp() throws Exception {
        mirror = Mirror.start();
        server = new ServerFixture(dir);
        Files.writeString(server.inventory, server.inventoryYaml("").replace("kernel: debian/vmlinuz",
                "kernel: {url: \"" + mirror.url("/netboot/linux") + "\", sha256: " + HASH + "}"));
    }

    @AfterEach
    void tearDown() throws Exception {
        server.close();
        mirror.close();
    }

    @Test
    void theNodeBootsTheKernelFromMetisOnceFetchedAndChecked() throws Exception {
        mirror.serve("/netboot/linux", KERNEL);
        server.start();
        JsonNode health = server.awaitHealth(h -> h.at("/assets/status").asText().equals("ok"));
        assertThat(health.get("status").asText()).isEqualTo("ok");

        RawHttp.Answer script = RawHttp.get(ServerFixture.NODE_ADDRESS, server.port, "/ipxe/" + ServerFixture.MAC);
        assertThat(script.status()).isEqualTo(200);
        String kernelPath = "/fetched/" + HASH + "/linux";
        assertThat(script.body()).contains("kernel http://127.0.0.1:" + server.port + kernelPath + " initrd=initrd.gz ")
                .doesNotContain(mirror.url(""));

        assertThat(server.getBytes(kernelPath).body()).isEqualTo(KERNEL);
        var part = server.getBytes(kernelPath, "Range", "bytes=10-19");
        assertThat(part.statusCode()).isEqualTo(206);
        assertThat(part.body()).hasSize(10);
        assertThat(server.getBytes("/fetched/" + Sha256.hex(new byte[1]) + "/linux").statusCode()).isEqualTo(404);
        assertThat(mirror.requests("GET", "/netboot/linux")).isEqualTo(1);
        assertThat(server.state.resolve("fetched").resolve(HASH)).hasBinaryContent(KERNEL);
    }

    @Test
    void otherBytesThanTheHashNamesAreNeverServedAndHealthSaysWhy() throws Exception {
        mirror.serve("/netboot/linux", "not the kernel the inventory names".getBytes(StandardCharsets.UTF_8));
        server.start();
        JsonNode health = server.awaitHealth(h -> h.at("/assets/problems/0/problem").asText().contains("failed"));
        assertThat(health.get("status").asText()).isEqualTo("degraded");
        assertThat(health.at("/assets/problems/0/field").asText()).isEqualTo("netboot.kernel");
        assertThat(health.at("/assets/problems/0/nodes").toString()).isEqualTo("[\"web-1\",\"web-2\"]");
        assertThat(health.at("/assets/problems/0/problem").asText()).contains("failed: SHA-256 ").contains(", not " + HASH);

        assertThat(server.getBytes("/fetched/" + HASH + "/linux").statusCode()).isEqualTo(404);
        assertThat(server.state.resolve("fetched").resolve(HASH)).doesNotExist();
    }
}
