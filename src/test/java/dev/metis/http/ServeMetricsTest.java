package dev.metis.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.metis.state.BurnHistory;
import dev.metis.testing.ServerFixture;
import java.nio.file.Path;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Metrics that come from the journal and from the burner's history file rather than from a request. */
class ServeMetricsTest {

    @TempDir
    Path dir;

    @Test
    void journaledNodeEventsAreCounted() throws Exception {
        try (ServerFixture server = new ServerFixture(dir).start()) {
            assertThat(server.get("/metrics").body()).contains("metis_node_events_total{event=\"script\"} 0.0");
            server.get("/ipxe/" + ServerFixture.MAC);
            server.get(server.seedPath(ServerFixture.MAC) + "user-data");
            server.post(server.phoneHomePath("web-1", ServerFixture.MAC), "hostname=web-1");
            server.get("/ipxe/" + ServerFixture.MAC);
            server.get("/ipxe/02:00:00:00:00:99");
            assertThat(server.get("/metrics").body())
                    .contains("metis_node_events_total{event=\"script\"} 1.0", "metis_node_events_total{event=\"seed\"} 1.0",
                            "metis_node_events_total{event=\"phone-home\"} 1.0", "metis_node_events_total{event=\"exit\"} 1.0",
                            "metis_node_events_total{event=\"discovered\"} 1.0", "metis_node_events_total{event=\"rearmed\"} 0.0");
        }
    }

    @Test
    void burnsRecordedByTheCardCommandsAreCountedWhenScraped() throws Exception {
        try (ServerFixture server = new ServerFixture(dir).start()) {
            assertThat(server.get("/metrics").body()).contains("metis_burns_total{kind=\"burn\",result=\"ok\"} 0.0");
            BurnHistory history = new BurnHistory(server.state);
            for (String result : new String[] {BurnHistory.OK, BurnHistory.OK, BurnHistory.FAILED}) {
                history.append(new BurnHistory.Burn(Instant.now(), "web-1", BurnHistory.BURN, "/dev/sdb", "golden.img",
                        "ab12", result, null, 1024, 0.5, null));
            }
            assertThat(server.get("/metrics").body()).contains("metis_burns_total{kind=\"burn\",result=\"ok\"} 2.0",
                    "metis_burns_total{kind=\"burn\",result=\"failed\"} 1.0", "metis_burns_total{kind=\"image\",result=\"ok\"} 0.0");
        }
    }
}
