package dev.metis.http;

import static dev.metis.testing.NodeServices.body;
import static dev.metis.testing.NodeServices.get;
import static dev.metis.testing.NodeServices.request;
import static org.assertj.core.api.Assertions.assertThat;

import dev.metis.state.NodeEvent;
import dev.metis.state.NodeState;
import dev.metis.testing.NodeServices;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The recovery environment's side of an install, through the route table: its script, its plan, its reports,
 * who may have them, and what each report does to the node. (The image itself is made and written in
 * {@code InstallIT}, with a real golden image.)
 */
class InstallRoutesTest {

    private static final String MAC = NodeServices.INSTALL_MAC;
    private static final String NODE_IP = NodeServices.INSTALL_IP;

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

    private String script() {
        HttpResponse script = router.answer(get("/ipxe/" + MAC, NODE_IP));
        assertThat(script.status()).as(body(script)).isEqualTo(200);
        return body(script);
    }

    private HttpResponse report(String token, String form, String from) {
        return router.answer(request("POST", "/install/" + MAC + "/" + token + "/event", Map.of(), form, from));
    }

    @Test
    void theScriptBootsTheRecoveryEnvironmentWithTheInstallUrlOfThisBoot() {
        String script = script();
        String token = NodeServices.token(router.answer(get("/ipxe/" + MAC, NODE_IP)));
        assertThat(script).startsWith("#!ipxe\n")
                .contains("kernel http://192.0.2.2:8080/assets/recovery/vmlinuz initrd=initramfs.gz console=tty0 "
                        + "console=ttyS0,115200 metis.install=http://192.0.2.2:8080/install/" + MAC + "/")
                .contains("initrd --name initramfs.gz http://192.0.2.2:8080/assets/recovery/initramfs.gz\n")
                .contains("writes its image to /dev/vda")
                .doesNotContain("ds=nocloud").doesNotContain(NodeServices.CANARY);
        assertThat(body(router.answer(get("/ipxe/" + MAC, NODE_IP)))).doesNotContain(token);
    }

    @Test
    void onlyTheHolderOfThisBootsTokenGetsThePlanOrMayReport() {
        String token = NodeServices.token(router.answer(get("/ipxe/" + MAC, NODE_IP)));
        assertThat(router.answer(get("/install/" + MAC + "/wrong/plan", NODE_IP)).status()).isEqualTo(403);
        assertThat(router.answer(get("/install/" + MAC + "/" + token + "/plan", "198.51.100.7")).status()).isEqualTo(403);
        assertThat(report(token, "step=started&disk=/dev/vda", "198.51.100.7").status()).isEqualTo(403);
        // A node that installs nothing has no install routes, whatever the token.
        assertThat(router.answer(get("/install/" + NodeServices.WEB1_MAC + "/" + token + "/plan", NODE_IP)).status())
                .isEqualTo(404);
        assertThat(routes.state.status("inst-1").events()).extracting(NodeEvent::event)
                .doesNotContain(NodeEvent.INSTALL_STARTED);
    }

    /** The golden image here is no disk image: the plan says so (after the attempt), naming the node. */
    @Test
    void anImageThatCannotBeMadeIsAnErrorNamingTheNodeNotAnEndlessWait() throws Exception {
        String token = NodeServices.token(router.answer(get("/ipxe/" + MAC, NODE_IP)));
        HttpResponse plan = router.answer(get("/install/" + MAC + "/" + token + "/plan", NODE_IP));
        Instant giveUp = Instant.now().plus(Duration.ofMinutes(2));
        while (plan.status() == 503 && Instant.now().isBefore(giveUp)) {
            assertThat(plan.headers()).containsEntry("retry-after", Integer.toString(InstallRoutes.RETRY_AFTER_SECONDS));
            Thread.sleep(20);
            plan = router.answer(get("/install/" + MAC + "/" + token + "/plan", NODE_IP));
        }
        assertThat(plan.status()).isEqualTo(500);
        assertThat(body(plan)).contains("node inst-1: its image cannot be made").contains("partition");
    }

    @Test
    void theStepsGoOnTheTimelineAndAVerifiedInstallEndsTheNetboots() {
        String token = NodeServices.token(router.answer(get("/ipxe/" + MAC, NODE_IP)));
        assertThat(report(token, "step=started&disk=/dev/vda", NODE_IP).status()).isEqualTo(204);
        assertThat(report(token, "step=progress&bytes=" + (64L << 20), NODE_IP).status()).isEqualTo(204);
        assertThat(report(token, "step=progress&bytes=" + (128L << 20), NODE_IP).status()).isEqualTo(204);
        assertThat(report(token, "step=exploded", NODE_IP).status()).isEqualTo(400);
        assertThat(report(token, "step=progress&bytes=lots", NODE_IP).status()).isEqualTo(400);
        assertThat(routes.state.status("inst-1").state()).isEqualTo(NodeState.BOOTING);

        assertThat(report(token, "step=verified&bytes=" + (1L << 30), NODE_IP).status()).isEqualTo(204);
        assertThat(routes.state.status("inst-1").state()).isEqualTo(NodeState.INSTALLED);
        assertThat(body(router.answer(get("/ipxe/" + MAC, NODE_IP)))).contains("node inst-1 is installed")
                .contains("exit");
        // Its last report comes after the verify; then the token opens nothing.
        assertThat(report(token, "step=rebooting", NODE_IP).status()).isEqualTo(204);
        assertThat(report(token, "step=rebooting", NODE_IP).status()).isEqualTo(403);
        assertThat(router.answer(get("/install/" + MAC + "/" + token + "/plan", NODE_IP)).status()).isEqualTo(403);

        assertThat(routes.state.status("inst-1").events()).extracting(e -> e.event() + " " + e.detail()).containsSubsequence(
                "install-started writing /dev/vda", "install-progress 128 MiB written", "install-verified 1024 MiB verified",
                "install-rebooting null").doesNotContain("install-progress 64 MiB written");
    }

    /** Power lost mid-install: nothing reports it, so the next netboot says so on the timeline, once. */
    @Test
    void aNodeBootingAgainMidInstallHasItsInstallMarkedInterrupted() {
        String token = NodeServices.token(router.answer(get("/ipxe/" + MAC, NODE_IP)));
        report(token, "step=started&disk=/dev/vda", NODE_IP);
        report(token, "step=progress&bytes=" + (64L << 20), NODE_IP);
        script();
        script();
        assertThat(routes.state.status("inst-1").events()).extracting(e -> e.event() + ": " + e.detail())
                .containsSubsequence("install-progress: 64 MiB written",
                        "install-failed: interrupted: the node booted again before its disk was verified")
                .filteredOn(e -> e.startsWith("install-failed")).hasSize(1);
        assertThat(routes.state.status("inst-1").state()).isEqualTo(NodeState.BOOTING);
    }

    @Test
    void aFailureIsOnTheTimelineAndLeavesTheNodeArmedForItsNextBoot() {
        String token = NodeServices.token(router.answer(get("/ipxe/" + MAC, NODE_IP)));
        report(token, "step=started&disk=/dev/vda", NODE_IP);
        assertThat(report(token, "step=failed&message=chunk+17+reads+back+wrong%0Aon+/dev/vda", NODE_IP).status())
                .isEqualTo(204);
        assertThat(routes.state.status("inst-1").state()).isEqualTo(NodeState.BOOTING);
        assertThat(routes.state.status("inst-1").events()).last()
                .satisfies(e -> assertThat(e.event() + ": " + e.detail()).isEqualTo(
                        "install-failed: chunk 17 reads back wrong?on /dev/vda"));
        assertThat(script()).contains("metis.install=");
    }
}
