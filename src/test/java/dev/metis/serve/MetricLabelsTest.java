package dev.metis.serve;

import static org.assertj.core.api.Assertions.assertThat;

import dev.metis.metrics.MetisMetrics;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** The label values a server exports from the start, which deploy/grafana/metis.json and alerts query by. */
class MetricLabelsTest {

    @Test
    void everyKnownSeriesIsExportedFromTheStartUnderItsLabel() {
        String scrape = new MetisMetrics(MetricLabels.known()).scrape();

        assertThat(series(scrape, "metis_dhcp_requests_total")).isEqualTo(6);
        assertThat(series(scrape, "metis_tftp_requests_total")).isEqualTo(4);
        assertThat(series(scrape, "metis_vault_failures_total")).isEqualTo(7);
        assertThat(series(scrape, "metis_node_events_total")).isEqualTo(13);
        assertThat(series(scrape, "metis_discovered_dropped_total")).isEqualTo(3);
        assertThat(series(scrape, "metis_seed_refusals_total")).isEqualTo(80);
        assertThat(scrape).contains("metis_dhcp_requests_total{port=\"pxe\",result=\"malformed\"} 0.0",
                "metis_tftp_requests_total{reason=\"\",result=\"aborted_by_client\"} 0.0",
                "metis_vault_failures_total{reason=\"unreachable\"} 0.0",
                "metis_node_events_total{event=\"seed-conflict\"} 0.0",
                "metis_discovered_dropped_total{reason=\"rate-limited\"} 0.0",
                "metis_seed_refusals_total{file=\"cmdline.txt\",reason=\"no-evidence\"} 0.0",
                "metis_seed_refusals_total{file=\"phone-home\",reason=\"wrong-key\"} 0.0");
        assertThat(scrape).doesNotContain("result=\"running\"");
    }

    private static long series(String scrape, String name) {
        return Arrays.stream(scrape.split("\n")).filter(line -> line.startsWith(name + "{")).count();
    }
}
