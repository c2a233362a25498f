package dev.metis.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The metrics take plain labels: what callers name is what is exported. */
class MetisMetricsTest {

    private static final MetisMetrics.KnownLabels FEW = new MetisMetrics.KnownLabels(List.of("dhcp"), List.of("complete"),
            List.of("timeout"), List.of("script"), List.of("full"), List.of("user-data"), List.of("expired"));

    @Test
    void knownLabelsAreExportedAtZeroBeforeTheirFirstEvent() {
        String scrape = new MetisMetrics(FEW).scrape();

        assertThat(scrape).contains("metis_dhcp_requests_total{port=\"dhcp\",result=\"answered\"} 0.0",
                "metis_dhcp_requests_total{port=\"dhcp\",result=\"malformed\"} 0.0",
                "metis_tftp_requests_total{reason=\"\",result=\"complete\"} 0.0",
                "metis_vault_failures_total{reason=\"timeout\"} 0.0",
                "metis_node_events_total{event=\"script\"} 0.0",
                "metis_discovered_dropped_total{reason=\"full\"} 0.0",
                "metis_seed_refusals_total{file=\"user-data\",reason=\"expired\"} 0.0",
                "metis_http_connections_closed_total{reason=\"per_client_limit\"} 0.0");
        assertThat(scrape).doesNotContain("port=\"pxe\"", "aborted_by_client");
    }

    @Test
    void eventsAreCountedUnderTheLabelsTheCallerGives() {
        MetisMetrics metrics = new MetisMetrics(FEW);
        metrics.dhcpRequest("pxe", MetisMetrics.DhcpResult.IGNORED);
        metrics.tftpFinished("timed_out", 0, 3);
        metrics.vaultRead(Optional.of("forbidden"));
        metrics.discoveredDropped("rate-limited");

        assertThat(metrics.scrape()).contains("metis_dhcp_requests_total{port=\"pxe\",result=\"ignored\"} 1.0",
                "metis_tftp_requests_total{reason=\"\",result=\"timed_out\"} 1.0",
                "metis_tftp_retransmitted_packets_total 3.0",
                "metis_vault_requests_total 1.0", "metis_vault_failures_total{reason=\"forbidden\"} 1.0",
                "metis_discovered_dropped_total{reason=\"rate-limited\"} 1.0");
    }

    @Test
    void burnsAreReadWhenScrapedAndOutliveAGarbageCollection() {
        MetisMetrics metrics = new MetisMetrics(FEW);
        long[] recorded = {2};
        // Nothing but the metrics holds this function, as in the server.
        metrics.burns(List.of("burn", "image"), List.of("ok"), (kind, result) -> kind.equals("burn") ? recorded[0] : 0);
        System.gc();
        recorded[0] = 3;

        assertThat(metrics.scrape()).contains("metis_burns_total{kind=\"burn\",result=\"ok\"} 3.0",
                "metis_burns_total{kind=\"image\",result=\"ok\"} 0.0");
    }
}
