package dev.metis.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.metis.dhcp.Captures;
import dev.metis.state.StateStore;
import dev.metis.testing.ServerFixture;
import dev.metis.testing.TestClock;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue #18: spoofed DISCOVERs, each from a made-up MAC, sent to the running server's proxy-DHCP on
 * loopback. What they leave in the state directory and the API is bounded, and counted.
 */
class DiscoveredFloodTest {

    private static final int FLOOD = 2_000;
    private static final int BATCH = 100;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern ANSWERED =
            Pattern.compile("metis_dhcp_requests_total\\{port=\"dhcp\",result=\"answered\"\\} ([0-9.]+)");

    @TempDir
    Path dir;

    @Test
    void aFloodOfMadeUpMacsLeavesABoundedTraceAndIsCounted() throws Exception {
        Assumptions.assumeTrue("root".equals(System.getProperty("user.name")), "SO_BINDTODEVICE needs root");
        // A clock that stands still: the write budget is the burst alone.
        ServerFixture server = new ServerFixture(dir).withClock(new TestClock(Instant.parse("2026-03-01T10:00:00Z")));
        int dhcpPort = server.withDhcpOnLoopback();
        byte[] discover = Captures.load("ovmf-pxe-discover");
        try (ServerFixture running = server.start();
                DatagramSocket attacker = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
            for (int sent = 0; sent < FLOOD; ) {
                for (int i = 0; i < BATCH; i++, sent++) {
                    discover[28 + 3] = (byte) (sent >> 16);
                    discover[28 + 4] = (byte) (sent >> 8);
                    discover[28 + 5] = (byte) sent;
                    attacker.send(new DatagramPacket(discover, discover.length, InetAddress.getLoopbackAddress(), dhcpPort));
                }
                // in batches, so that the kernel's receive buffer does not drop some of the flood for us
                awaitAnswered(running, sent);
            }

            int burst = StateStore.DiscoveredLimits.DEFAULT.burst();
            String api = running.get("/api/v1/nodes").body();
            JsonNode discovered = JSON.readTree(api).get("discovered");
            assertThat(discovered).as("the burst is recorded, the rest dropped").hasSize(burst);
            assertThat(api.length()).as("the API answer").isLessThan(100_000);
            assertThat(running.get("/metrics").body())
                    .contains("metis_discovered_dropped_total{reason=\"rate-limited\"} " + (FLOOD - burst) + ".0")
                    .contains("metis_nodes{state=\"discovered\"} " + burst + ".0");
        }
        Path state = dir.resolve("state");
        assertThat(Files.size(state.resolve("journal.jsonl"))).as("what the flood wrote").isLessThan(100_000);
        assertThat(state.resolve("snapshot.json")).doesNotExist();
    }

    /** Waits (generously: the machine may be loaded) until the server has answered {@code count} DISCOVERs. */
    private static void awaitAnswered(ServerFixture server, int count) throws Exception {
        double answered = 0;
        for (int i = 0; i < 600 && answered < count; i++) {
            Matcher m = ANSWERED.matcher(server.get("/metrics").body());
            answered = m.find() ? Double.parseDouble(m.group(1)) : 0;
            if (answered < count) {
                Thread.sleep(100);
            }
        }
        assertThat(answered).as("DISCOVERs answered").isEqualTo(count);
    }
}
