package dev.metis.http;

import static dev.metis.testing.NodeServices.request;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import dev.metis.testing.NodeServices;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Files under a served root: whole, by range, never outside it. */
class FileRoutesTest {

    @TempDir
    Path dir;
    private NodeServices routes;
    private Path root;

    @BeforeEach
    void setUp() throws Exception {
        routes = new NodeServices(dir);
        root = dir.resolve("assets");
    }

    @AfterEach
    void tearDown() throws Exception {
        routes.close();
    }

    private HttpResponse file(String range, String... path) throws Exception {
        Map<String, String> headers = range == null ? Map.of() : Map.of("range", range);
        return FileRoutes.file(request("GET", "/assets", headers, "", "198.51.100.7"), FileRoutes.ASSETS_LABEL, root, List.of(path));
    }

    @Test
    void aFileIsAnsweredAsARegionOfItselfWholeOrByRange() throws Exception {
        HttpResponse whole = file(null, "debian", "vmlinuz");
        assertThat(whole.status()).isEqualTo(200);
        assertThat(whole.file()).isEqualTo(root.resolve("debian/vmlinuz").toRealPath());
        assertThat(whole.length()).isEqualTo(10);
        assertThat(whole.headers()).containsKeys("accept-ranges", "last-modified");
        HttpResponse part = file("bytes=2-4", "debian", "vmlinuz");
        assertThat(part.status()).isEqualTo(206);
        assertThat(List.of(part.offset(), part.length())).containsExactly(2L, 3L);
        assertThat(part.headers()).containsEntry("content-range", "bytes 2-4/10");
        assertThat(file("bytes=20-30", "debian", "vmlinuz").status()).isEqualTo(416);
    }

    @Test
    void nothingOutsideTheRootIsServed() throws Exception {
        Files.writeString(dir.resolve("outside.txt"), "secret");
        Files.createSymbolicLink(root.resolve("escape"), dir.resolve("outside.txt"));
        assertThat(file(null, "..", "outside.txt").status()).isEqualTo(404);
        assertThat(file(null, "escape").status()).isEqualTo(404);
        assertThat(file(null).status()).isEqualTo(404);
        assertThat(file(null, "debian", "missing").status()).isEqualTo(404);
    }

    /** A file fetched by URL is served by its hash only once checked, and not once it changed. */
    @Test
    void aFetchedFileIsServedOnlyCheckedAndUnchanged() throws Exception {
        FileRoutes files = new FileRoutes(root, routes.tftpRoot, routes.fetched);
        String hash = NodeServices.FETCHED_INITRD_SHA256;
        assertThat(fetched(files, hash).status()).isEqualTo(404);
        routes.assetWatch.recheck();
        HttpResponse served = fetched(files, hash);
        assertThat(served.status()).isEqualTo(200);
        assertThat(served.file()).hasBinaryContent(NodeServices.FETCHED_INITRD);
        assertThat(fetched(files, "..").status()).isEqualTo(404);
        Files.writeString(routes.fetched.dir().resolve(hash), "changed since its check");
        assertThat(fetched(files, hash).status()).isEqualTo(404);
    }

    private static HttpResponse fetched(FileRoutes files, String sha256) throws Exception {
        return files.fetched(request("GET", "/fetched/" + sha256 + "/fw.cpio", Map.of(), "", "198.51.100.7"),
                new Route.Params(Map.of("sha256", sha256), List.of()));
    }
}
