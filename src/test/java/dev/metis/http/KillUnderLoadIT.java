package dev.metis.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.metis.testing.MetisProcess;
import dev.metis.testing.ServerFixture;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code kill -9} of a loaded server: 40 nodes phone home and are re-armed over and over from 8 threads
 * while the jar is killed. After a restart every node is in the state of its last answered request, or
 * of the one that was in flight when the server died: an answered change is never lost.
 */
class KillUnderLoadIT {

    private static final int NODES = 40;
    private static final int THREADS = 8;

    @TempDir
    Path dir;

    /** What one node's worker knows: the state its last answered request left, and what was in flight. */
    private static final class NodeLog {
        volatile String answered = "armed";
        volatile String inFlight;
        final AtomicInteger changes = new AtomicInteger();
    }

    @Test
    void everyAnsweredChangeSurvivesKillDashNineUnderLoad() throws Exception {
        ServerFixture fixture = new ServerFixture(dir);
        StringBuilder nodes = new StringBuilder();
        for (int i = 0; i < NODES; i++) {
            nodes.append(String.format("  n%02d: {class: net, mac: \"02:00:00:00:10:%02x\", ip: 127.0.1.%d/8}%n", i, i, 100 + i));
        }
        Files.writeString(fixture.inventory, fixture.inventoryYaml("").replaceFirst("nodes:\n", "nodes:\n" + nodes));
        List<NodeLog> logs = new ArrayList<>();
        for (int i = 0; i < NODES; i++) {
            logs.add(new NodeLog());
        }
        AtomicBoolean running = new AtomicBoolean(true);
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        ExecutorService workers = Executors.newFixedThreadPool(THREADS);
        try (MetisProcess metis = serve(fixture)) {
            for (int t = 0; t < THREADS; t++) {
                int first = t;
                workers.submit(() -> {
                    // Each thread owns the nodes n with n % THREADS == first, so a node's changes are sequential.
                    for (int round = 0; running.get(); round++) {
                        int n = first + (round * THREADS) % NODES;
                        change(client, fixture, n, logs.get(n));
                    }
                });
            }
            while (logs.stream().mapToInt(l -> l.changes.get()).sum() < 400) {
                Thread.sleep(20);
            }
            metis.kill9();
        }
        running.set(false);
        workers.shutdown();
        assertThat(workers.awaitTermination(30, TimeUnit.SECONDS)).isTrue();

        try (MetisProcess restarted = serve(fixture)) {
            int changed = 0;
            for (int i = 0; i < NODES; i++) {
                NodeLog log = logs.get(i);
                String body = fixture.get(String.format("/api/v1/nodes/n%02d", i)).body();
                String state = body.replaceAll("(?s).*\"state\"\\s*:\\s*\"([a-z]+)\".*", "$1");
                assertThat(state).as("n%02d after %d answered changes, in flight: %s", i, log.changes.get(), log.inFlight)
                        .isIn(log.answered, log.inFlight == null ? log.answered : log.inFlight);
                changed += log.changes.get();
            }
            assertThat(changed).isGreaterThanOrEqualTo(400);
        }
    }

    /** The node's next change: phone home when armed, re-arm when provisioned. */
    private static void change(HttpClient client, ServerFixture fixture, int n, NodeLog log) {
        boolean phoneHome = log.answered.equals("armed");
        String target = phoneHome ? "provisioned" : "armed";
        HttpRequest request = (phoneHome
                ? HttpRequest.newBuilder(fixture.uri(fixture.phoneHomePath(String.format("n%02d", n),
                        String.format("02:00:00:00:10:%02x", n))))
                        .header("Content-Type", "application/x-www-form-urlencoded")
                        .POST(HttpRequest.BodyPublishers.ofString(String.format("hostname=n%02d", n)))
                : HttpRequest.newBuilder(fixture.uri(String.format("/api/v1/nodes/n%02d/reprovision", n)))
                        .header("Authorization", "Bearer " + ServerFixture.ADMIN_TOKEN)
                        .POST(HttpRequest.BodyPublishers.noBody()))
                .timeout(Duration.ofSeconds(5)).build();
        log.inFlight = target;
        try {
            HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() == 200) {
                log.answered = target;
                log.inFlight = null;
                log.changes.incrementAndGet();
            }
        } catch (Exception serverGone) {
            // the kill: whatever was in flight may or may not have been recorded
        }
    }

    private MetisProcess serve(ServerFixture fixture) throws Exception {
        return MetisProcess.start(dir, List.of("serve", "--no-dhcp", "--no-tftp", "--inventory", fixture.inventory.toString(),
                "--state-dir", fixture.state.toString(), "--boot-assets", fixture.assets.toString(),
                "--http-addr", "127.0.0.1", "--http-port", Integer.toString(fixture.port)), fixture.port);
    }
}
