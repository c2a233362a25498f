package dev.metis.http;

import static dev.metis.testing.NodeServices.get;
import static dev.metis.testing.NodeServices.request;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import dev.metis.testing.NodeServices;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Dispatch over the route table: matching, methods, HEAD, the plain-port filter, admin, waiting, log lines. */
class HttpRouterTest {

    private static final String ANYONE = "198.51.100.7";

    @TempDir
    Path dir;
    private NodeServices routes;
    private HttpRouter router;

    @BeforeEach
    void setUp() throws Exception {
        routes = new NodeServices(dir);
        router = routes.router();
    }

    @AfterEach
    void tearDown() throws Exception {
        routes.close();
    }

    @Test
    void everyRouteOfTheTableIsReachedByItsOwnPattern() {
        routes.assetWatch.recheck(); // the fetched initrd is served once checked
        Set<String> patterns = new HashSet<>();
        for (Route route : router.routes()) {
            assertThat(patterns.add(route.pattern())).as("one entry per pattern: " + route.pattern()).isTrue();
            String file = route.label().equals(FileRoutes.FIRMWARE_LABEL) ? "ipxe.efi" : "debian/vmlinuz";
            String mac = route.pattern().startsWith("/install/") ? NodeServices.INSTALL_MAC : NodeServices.WEB1_MAC;
            String path = route.pattern().replaceAll("\\{[a-z]+\\.\\.\\.}", file).replace("{mac}", mac)
                    .replace("{name}", "web-1").replace("{file}", route.pattern().startsWith("/web/") ? "index.html" : "meta-data").replace("{token}", "t").replace("{key}", "k")
                    .replace("{sha256}", NodeServices.FETCHED_INITRD_SHA256);
            String method = route.methods().get(0);
            HttpResponse response = router.answer(request(method, path, Map.of("authorization", "Bearer " + NodeServices.ADMIN), "",
                    NodeServices.WEB1_IP));
            assertThat(response.route()).as(method + " " + path).isEqualTo(route.label());
            assertThat(response.status()).as(method + " " + path).isNotIn(404, 405);
        }
    }

    @Test
    void aPathOfNoRouteIs404UnderOneLabel() {
        HttpResponse response = router.answer(get("/nocloud/" + NodeServices.WEB1_MAC + "/a/b/c", ANYONE));
        assertThat(response.status()).isEqualTo(404);
        assertThat(response.route()).isEqualTo(HttpRouter.UNKNOWN);
        assertThat(router.answer(get("/%zz", ANYONE)).status()).isEqualTo(400);
    }

    @Test
    void aMethodTheRouteDoesNotTakeIs405NamingTheOnesItDoes() {
        HttpResponse response = router.answer(request("DELETE", "/healthz", Map.of(), "", ANYONE));
        assertThat(response.status()).isEqualTo(405);
        assertThat(response.headers()).containsEntry("allow", "GET, HEAD");
        assertThat(router.answer(get("/phone-home/" + NodeServices.WEB1_MAC + "/k", ANYONE)).headers()).containsEntry("allow", "POST");
    }

    @Test
    void headIsGetWithoutTheBody() {
        HttpResponse got = router.answer(get("/healthz", ANYONE));
        HttpResponse head = router.answer(request("HEAD", "/healthz", Map.of(), "", ANYONE));
        assertThat(head.status()).isEqualTo(200);
        assertThat(head.sentBytes()).isZero();
        assertThat(head.length()).isEqualTo(got.length());
    }

    @Test
    void withTlsOnThePlainPortKeepsOnlyWhatBootingMachinesFetch() throws Exception {
        HttpRouter tls = routes.withHttps(8443).router();
        assertThat(tls.answer(get("/api/v1/nodes", ANYONE)).status()).isEqualTo(403);
        assertThat(tls.answer(get("/metrics", ANYONE)).status()).isEqualTo(403);
        assertThat(tls.answer(get("/", ANYONE)).status()).isEqualTo(403);
        assertThat(tls.answer(get("/boot.ipxe", ANYONE)).status()).isEqualTo(200);
        assertThat(tls.answer(get("/healthz", ANYONE)).status()).isEqualTo(200);
        assertThat(tls.answer(get("/assets/debian/vmlinuz", ANYONE)).status()).isEqualTo(200);
        HttpRequest secure = new HttpRequest("GET", "/api/v1/nodes", Map.of(), new byte[0], InetAddress.getLoopbackAddress(), true);
        assertThat(tls.answer(secure).status()).isEqualTo(200);
    }

    @Test
    void everyChangeUnderTheApiNeedsTheAdminTokenWhateverThePathSays() {
        for (String path : List.of("/api/v1/nodes/web-1/reprovision", "//api//v1/nodes/web-1/reprovision",
                "/%61pi/v1/nodes/web-1/reprovision", "/api/v1/no-such-thing")) {
            assertThat(router.answer(request("POST", path, Map.of(), "", ANYONE)).status()).as(path).isEqualTo(401);
            assertThat(router.answer(request("POST", path, Map.of("authorization", "Bearer wrong"), "", ANYONE)).status())
                    .as(path).isEqualTo(403);
        }
        assertThat(router.answer(request("POST", "/api/v1/nodes/web-1/reprovision",
                Map.of("authorization", "Bearer " + NodeServices.ADMIN), "", ANYONE)).status()).isEqualTo(200);
    }

    @Test
    void onlyAnswersThatReadSecretsMayWait() {
        String mac = NodeServices.WEB1_MAC;
        assertThat(router.mayWait(get("/ipxe/" + mac, ANYONE))).isTrue();
        assertThat(router.mayWait(get("/nocloud/" + mac + "/t/user-data", ANYONE))).isTrue();
        assertThat(router.mayWait(get("/nocloud/" + mac + "/user-data", ANYONE))).isTrue();
        assertThat(router.mayWait(get("/api/v1/nodes/web-1/config", ANYONE))).isTrue();
        assertThat(router.mayWait(get("/nocloud/" + mac + "/t/meta-data", ANYONE))).isFalse();
        assertThat(router.mayWait(get("/healthz", ANYONE))).isFalse();
        assertThat(router.mayWait(get("/assets/debian/vmlinuz", ANYONE))).isFalse();
        assertThat(router.mayWait(get("/%zz", ANYONE))).isFalse();
    }

    @Test
    void logLinesShowOnlyTheStartOfASeedTokenOrPhoneHomeKey() {
        String token = "a".repeat(43);
        String key = "b".repeat(43);
        assertThat(router.loggable("/nocloud/" + NodeServices.WEB1_MAC + "/" + token + "/user-data?x=1"))
                .isEqualTo("/nocloud/" + NodeServices.WEB1_MAC + "/aaaaaa.../user-data?x=1");
        assertThat(router.loggable("//phone-home//" + NodeServices.WEB1_MAC + "/" + key + "/"))
                .isEqualTo("//phone-home//" + NodeServices.WEB1_MAC + "/bbbbbb.../");
        assertThat(router.loggable("/assets/debian/vmlinuz")).isEqualTo("/assets/debian/vmlinuz");
        assertThat(router.loggable("/no/route/" + token)).isEqualTo("/no/route/" + token);
        // The transport asks the request's dispatch, which has matched the route already: the same line.
        String seed = "/nocloud/" + NodeServices.WEB1_MAC + "/" + token + "/user-data";
        assertThat(router.dispatch(get(seed, ANYONE)).loggable(seed + "?x=1"))
                .isEqualTo("/nocloud/" + NodeServices.WEB1_MAC + "/aaaaaa.../user-data?x=1");
    }
}
