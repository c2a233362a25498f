package dev.metis.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.metis.testing.RawHttp;
import dev.metis.testing.ServerFixture;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Hostile or broken requests get the right status, and change nothing. */
class BadRequestsTest {

    @TempDir
    Path dir;

    private ServerFixture server;

    @BeforeEach
    void start() throws Exception {
        server = new ServerFixture(dir);
        Files.writeString(dir.resolve("outside.txt"), "secret outside the root");
        Files.createSymbolicLink(server.assets.resolve("escape"), dir.resolve("outside.txt"));
        Files.createSymbolicLink(server.assets.resolve("escape-dir"), dir);
        Files.createSymbolicLink(server.assets.resolve("inside"), server.assets.resolve("debian/initrd.gz"));
        server.start();
    }

    @AfterEach
    void stop() throws Exception {
        server.close();
    }

    private String status(String rawRequest) throws Exception {
        return RawHttp.statusLine(server.port, rawRequest);
    }

    private String get(String path) throws Exception {
        return status("GET " + path + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    }

    @Test
    void pathTraversalNeverLeavesTheAssetRoot() throws Exception {
        for (String path : new String[] {"/assets/../inventory.yaml", "/assets/debian/../../inventory.yaml",
                "/assets/%2e%2e/inventory.yaml", "/assets/%2E%2E/%2E%2E/inventory.yaml", "/assets/..%2finventory.yaml",
                "/assets/escape", "/assets/escape-dir/outside.txt", "/assets/debian%00/vmlinuz",
                "/assets/..\\inventory.yaml", "/assets/debian", "/assets/", "/assets/%zz"}) {
            assertThat(get(path)).as(path).matches("HTTP/1.1 (400|404) .*");
        }
        assertThat(get("/assets/inside")).isEqualTo("HTTP/1.1 200 OK");
        assertThat(get("/assets//debian//vmlinuz")).isEqualTo("HTTP/1.1 200 OK");
    }

    @Test
    void rangesOutsideTheFileAre416AndHeadHasNoBody() throws Exception {
        assertThat(status("GET /assets/debian/initrd.gz HTTP/1.1\r\nHost: x\r\nRange: bytes=5000-\r\nConnection: close\r\n\r\n"))
                .isEqualTo("HTTP/1.1 416 Requested Range Not Satisfiable");
        assertThat(status("GET /assets/debian/initrd.gz HTTP/1.1\r\nHost: x\r\nRange: bytes=-100\r\nConnection: close\r\n\r\n"))
                .isEqualTo("HTTP/1.1 206 Partial Content");
        var head = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
                server.uri("/assets/debian/vmlinuz")).method("HEAD", java.net.http.HttpRequest.BodyPublishers.noBody()).build(),
                java.net.http.HttpResponse.BodyHandlers.ofByteArray());
        assertThat(head.statusCode()).isEqualTo(200);
        assertThat(head.headers().firstValue("content-length")).hasValue("300000");
        assertThat(head.body()).isEmpty();
    }

    @Test
    void malformedMacsUnknownNodesAndRoutes() throws Exception {
        assertThat(get("/ipxe/not-a-mac")).startsWith("HTTP/1.1 400");
        assertThat(get("/nocloud/zz:00:00:00:00:01/user-data")).startsWith("HTTP/1.1 400");
        assertThat(get("/nocloud/02:00:00:00:00:77/user-data")).startsWith("HTTP/1.1 404");
        assertThat(get("/nocloud/" + ServerFixture.MAC + "/k3s-config")).startsWith("HTTP/1.1 404");
        assertThat(get("/api/v1/nodes/nobody")).startsWith("HTTP/1.1 404");
        assertThat(get("/no/such/route")).startsWith("HTTP/1.1 404");
        assertThat(status("POST /phone-home/02:00:00:00:00:77 HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"))
                .startsWith("HTTP/1.1 404");
        assertThat(status("DELETE /boot.ipxe HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")).startsWith("HTTP/1.1 405");
        assertThat(server.get("/api/v1/nodes/web-1").body()).contains("\"state\":\"armed\"");
    }

    @Test
    void hugeRequestLinesAndHeadersAreRefused() throws Exception {
        assertThat(get("/" + "a".repeat(10_000))).startsWith("HTTP/1.1 4");
        assertThat(status("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + "b".repeat(20_000) + "\r\n\r\n"))
                .startsWith("HTTP/1.1 431");
        assertThat(status("POST /phone-home/" + ServerFixture.MAC + " HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000\r\n\r\n"))
                .startsWith("HTTP/1.1 413");
        assertThat(get("/healthz")).isEqualTo("HTTP/1.1 200 OK");
        assertThat(server.get("/api/v1/nodes/web-1").body()).contains("\"state\":\"armed\"");
    }
}
