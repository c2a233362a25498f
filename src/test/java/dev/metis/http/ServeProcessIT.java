package dev.metis.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.metis.testing.ExternalTool;
import dev.metis.testing.MetisProcess;
import dev.metis.testing.ServerFixture;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code metis serve} as users run it: the jar, killed with -9, checked by Prometheus' own tool. */
class ServeProcessIT {

    @TempDir
    Path dir;

    private MetisProcess serve(ServerFixture fixture) throws Exception {
        return MetisProcess.start(dir, List.of("serve", "--no-dhcp", "--no-tftp", "--inventory", fixture.inventory.toString(),
                "--state-dir", fixture.state.toString(), "--boot-assets", fixture.assets.toString(),
                "--http-addr", "127.0.0.1", "--http-port", Integer.toString(fixture.port)), fixture.port);
    }

    @Test
    void nodeStateSurvivesKillDashNine() throws Exception {
        ServerFixture fixture = new ServerFixture(dir);
        try (MetisProcess first = serve(fixture)) {
            fixture.get("/ipxe/" + ServerFixture.MAC);
            assertThat(fixture.post("/phone-home/" + ServerFixture.MAC, "hostname=web-1").statusCode()).isEqualTo(200);
            first.kill9();
        }
        try (MetisProcess second = serve(fixture)) {
            assertThat(fixture.get("/api/v1/nodes/web-1").body()).contains("\"state\":\"provisioned\"");
            assertThat(fixture.get("/ipxe/" + ServerFixture.MAC).body()).endsWith("exit\n");
            assertThat(fixture.post("/api/v1/nodes/web-1/reprovision", "", "Authorization", "Bearer " + ServerFixture.ADMIN_TOKEN)
                    .statusCode()).isEqualTo(200);
            second.kill9();
        }
        try (MetisProcess third = serve(fixture)) {
            assertThat(fixture.get("/api/v1/nodes/web-1").body()).contains("\"state\":\"armed\"");
        }
    }

    @Test
    void metricsPassPromtoolAndTheLogNamesEachService() throws Exception {
        Path promtool = ExternalTool.require("promtool");
        ServerFixture fixture = new ServerFixture(dir);
        try (MetisProcess metis = serve(fixture)) {
            fixture.get("/boot.ipxe");
            fixture.get("/ipxe/" + ServerFixture.MAC);
            fixture.get("/nocloud/" + ServerFixture.MAC + "/user-data");
            fixture.get("/assets/debian/vmlinuz");
            fixture.get("/nope");
            String metrics = fixture.get("/metrics").body();
            assertThat(metrics).contains("metis_http_requests_total{route=\"/nocloud/{mac}/{file}\",status=\"200\"}")
                    .contains("metis_http_sent_bytes_total{route=\"/assets\"} 300000.0")
                    .contains("metis_nodes{state=\"booting\"} 1.0")
                    .contains("metis_inventory_reloads_total");
            Path file = dir.resolve("metrics.txt");
            Files.writeString(file, metrics);
            ExternalTool.Result check = ExternalTool.run(dir, "sh", "-c", promtool + " check metrics < " + file);
            assertThat(check.exitCode()).as(check.all()).isZero();
            assertThat(Files.readString(metis.log)).contains("HTTP listening on /127.0.0.1:" + fixture.port)
                    .contains("\"GET /nocloud/" + ServerFixture.MAC + "/user-data\" 200");
        }
    }
}
