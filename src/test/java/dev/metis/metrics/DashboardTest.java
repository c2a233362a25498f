package dev.metis.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.metis.testing.ServerFixture;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.commons.net.tftp.TFTP;
import org.apache.commons.net.tftp.TFTPClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** deploy/grafana/metis.json: a Grafana dashboard that queries only what a running server exports. */
class DashboardTest {

    private static final Path DASHBOARD = Path.of("deploy/grafana/metis.json");
    private static final Pattern METRIC = Pattern.compile("\\bmetis_[a-z0-9_]+");
    private static final Set<String> QUERY_FIELDS = Set.of("expr", "query", "definition");

    @TempDir
    Path dir;

    /** Every metis_ name in the dashboard's queries: panel targets and template variables. */
    static Set<String> metricsQueried(JsonNode dashboard) {
        Set<String> names = new TreeSet<>();
        collect(dashboard, names);
        return names;
    }

    private static void collect(JsonNode node, Set<String> names) {
        for (Iterator<Map.Entry<String, JsonNode>> fields = node.fields(); fields.hasNext(); ) {
            Map.Entry<String, JsonNode> field = fields.next();
            if (field.getValue().isTextual() && QUERY_FIELDS.contains(field.getKey())) {
                Matcher m = METRIC.matcher(field.getValue().asText());
                while (m.find()) {
                    names.add(m.group());
                }
            }
        }
        node.elements().forEachRemaining(child -> collect(child, names));
    }

    /**
     * The sample names of a Prometheus text scrape. Histograms and summaries appear with their _bucket,
     * _sum and _count samples, so a query naming one of those matches as it is, and a bare histogram name
     * (which has no sample) does not.
     */
    static Set<String> samplesExported(String scrape) {
        Set<String> names = new HashSet<>();
        for (String line : scrape.split("\n")) {
            if (!line.isBlank() && !line.startsWith("#")) {
                names.add(line.split("[{ ]", 2)[0]);
            }
        }
        return names;
    }

    static Set<String> notExported(JsonNode dashboard, String scrape) {
        Set<String> missing = new TreeSet<>(metricsQueried(dashboard));
        missing.removeAll(samplesExported(scrape));
        return missing;
    }

    @Test
    void everyQueriedMetricIsExportedByARunningServer() throws Exception {
        JsonNode dashboard = new ObjectMapper().readTree(DASHBOARD.toFile());
        try (ServerFixture server = new ServerFixture(dir).start()) {
            server.get("/boot.ipxe");
            server.get(server.seedPath(ServerFixture.MAC) + "user-data");
            server.get("/assets/debian/vmlinuz");
            TFTPClient tftp = new TFTPClient();
            tftp.open();
            try {
                tftp.receiveFile("missing.efi", TFTP.BINARY_MODE, OutputStream.nullOutputStream(),
                        InetAddress.getLoopbackAddress(), server.tftpPort);
            } catch (IOException refused) {
                // a refusal is counted too
            } finally {
                tftp.close();
            }
            String scrape = server.get("/metrics").body();
            assertThat(metricsQueried(dashboard)).hasSizeGreaterThanOrEqualTo(10)
                    .contains("metis_nodes", "metis_burns_total", "metis_dhcp_requests_total", "metis_vault_failures_total");
            assertThat(notExported(dashboard, scrape)).as("queried by %s but not exported", DASHBOARD).isEmpty();
        }
    }

    @Test
    void aQueryForAMetricNoServerExportsIsReported() throws Exception {
        JsonNode dashboard = new ObjectMapper().readTree("""
                {"panels": [{"targets": [{"expr": "sum(rate(metis_http_requests_total[5m])) / metis_http_latency_seconds_count"}]}],
                 "templating": {"list": [{"query": {"query": "label_values(metis_nodes, instance)"}}]}}
                """);
        String scrape = """
                # HELP metis_http_requests_total HTTP requests answered
                # TYPE metis_http_requests_total counter
                metis_http_requests_total{route="/boot.ipxe",status="200"} 1.0
                metis_nodes{state="armed"} 2.0
                """;
        assertThat(notExported(dashboard, scrape)).containsExactly("metis_http_latency_seconds_count");
    }

    @Test
    void panelsUseTheDataSourceVariable() throws Exception {
        JsonNode dashboard = new ObjectMapper().readTree(DASHBOARD.toFile());
        assertThat(dashboard.path("schemaVersion").asInt()).isBetween(36, 41);
        assertThat(dashboard.path("templating").path("list").findValuesAsText("type")).contains("datasource");
        Set<Integer> ids = new HashSet<>();
        for (JsonNode panel : dashboard.path("panels")) {
            String title = panel.path("title").asText();
            assertThat(ids.add(panel.path("id").asInt())).as("unique id of %s", title).isTrue();
            assertThat(panel.path("gridPos").path("w").asInt()).as(title).isPositive();
            if (!panel.path("type").asText().equals("row")) {
                assertThat(panel.path("datasource").path("uid").asText()).as(title).isEqualTo("${datasource}");
                assertThat(panel.path("targets").findValuesAsText("expr")).as(title).isNotEmpty();
            }
        }
    }
}
