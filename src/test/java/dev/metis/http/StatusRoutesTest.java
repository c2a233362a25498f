package dev.metis.http;

import static dev.metis.testing.NodeServices.body;
import static dev.metis.testing.NodeServices.get;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import dev.metis.testing.NodeServices;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code /healthz}, {@code /metrics} and the web page's files, called directly. */
class StatusRoutesTest {

    @TempDir
    Path dir;
    private NodeServices routes;

    @BeforeEach
    void setUp() throws Exception {
        routes = new NodeServices(dir);
    }

    @AfterEach
    void tearDown() throws Exception {
        routes.close();
    }

    @Test
    void healthSaysWhichGenerationServesAndAddsTheServersOwnChecks() throws Exception {
        StatusRoutes status = new StatusRoutes(routes.inventory, () -> Map.of("dhcp", "off"), routes.assetWatch, routes.metrics);
        HttpResponse health = status.healthz(get("/healthz", "198.51.100.7"), null);
        assertThat(health.status()).isEqualTo(200);
        assertThat(body(health)).contains("\"status\":\"ok\"", "\"inventory_generation\":1", "\"nodes\":4", "\"dhcp\":\"off\"");
    }

    /** Degraded while a file some node needs is missing, with the nodes, the field and the resolved path; ok once it is back. */
    @Test
    void healthNamesTheFilesNodesMissUntilTheyAreInPlace() throws Exception {
        StatusRoutes status = new StatusRoutes(routes.inventory, Map::of, routes.assetWatch, routes.metrics);
        assertThat(body(status.healthz(get("/healthz", "198.51.100.7"), null)))
                .contains("\"status\":\"ok\"", "\"assets\":{\"status\":\"checking\"}");

        Path kernel = routes.assets.resolve("vmlinuz");
        Files.move(kernel, dir.resolve("vmlinuz.away"));
        routes.assetWatch.recheck();
        HttpResponse degraded = status.healthz(get("/healthz", "198.51.100.7"), null);
        assertThat(degraded.status()).isEqualTo(200);
        // inst-1's golden image is no disk image at all: no place for its seed, which serve says as check does.
        String image = "{\"field\":\"image\",\"nodes\":[\"inst-1\"],\"location\":\"" + dir.resolve("golden/disk.img")
                + "\",\"problem\":\"no place for the seed: no partition table: the first sector has no MBR signature (0x55AA)\"}";
        assertThat(body(degraded)).contains("\"status\":\"degraded\"", "\"assets\":{\"status\":\"failing\",\"problems\":["
                + "{\"field\":\"netboot.kernel\",\"nodes\":[\"web-1\",\"web-2\"],\"location\":\"" + kernel
                + "\",\"problem\":\"no such file\"}," + image + "]}", "\"secrets\":{\"status\":\"ok\"}");

        Files.move(dir.resolve("vmlinuz.away"), kernel);
        routes.assetWatch.recheck();
        assertThat(body(status.healthz(get("/healthz", "198.51.100.7"), null)))
                .contains("\"assets\":{\"status\":\"failing\",\"problems\":[" + image + "]}");
    }

    @Test
    void theWebPageIsServedUnderItsPolicyAndNothingElseFromTheJar() throws Exception {
        HttpResponse index = WebRoutes.file(WebRoutes.INDEX, "index.html");
        assertThat(index.status()).isEqualTo(200);
        assertThat(index.headers().get("content-security-policy")).startsWith("default-src 'self'");
        assertThat(WebRoutes.file(WebRoutes.FILE, "logback.xml").status()).isEqualTo(404);
        assertThat(WebRoutes.file(WebRoutes.FILE, "..%2fapplication.js").status()).isEqualTo(404);
    }
}
