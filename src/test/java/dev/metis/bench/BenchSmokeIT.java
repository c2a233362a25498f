package dev.metis.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.metis.testing.ExternalTool;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Every benchmark under {@code bench/} still runs to its table, against its anchors, in one short round
 * ({@code SMOKE=1}). The figures of so short a run are not compared with anything; what is checked is
 * that every server and client answered (a benchmark that silently broke, as the HTTP one did for every
 * request when seeds began to need a token, would otherwise go unnoticed until someone reran it) and that
 * every figure is one a real run can give (wrk's {@code 2.00GB} once read as 2 bytes made a ratio of
 * 842887332x). {@code layout} is the table's columns, as {@link BenchTable} reads them.
 */
class BenchSmokeIT {

    @ParameterizedTest(name = "bench/{0}")
    @CsvSource({"dhcp, 2, LFFFFR.", "http, 2, LFFR.", "tftp, 5, LFFFFR", "image, 2, LLLLFFRFRfFf"})
    void runsToAWholeTable(String bench, int minimumRows, String layout) throws IOException, InterruptedException {
        if (!"root".equals(System.getProperty("user.name"))) {
            ExternalTool.unavailable("the benchmarks need root (network namespaces, loop devices, packages)");
        }
        Path output = Files.createTempFile("metis-bench-" + bench, ".out");
        Path errors = Files.createTempFile("metis-bench-" + bench, ".err");
        try {
            ProcessBuilder builder = new ProcessBuilder("bench/" + bench + "/run.sh")
                    .redirectOutput(output.toFile()).redirectError(errors.toFile());
            builder.environment().put("SMOKE", "1");
            Process process = builder.start();
            process.getOutputStream().close();
            boolean finished = process.waitFor(5, TimeUnit.MINUTES);
            if (!finished) {
                process.destroy(); // SIGTERM: the script's exit trap stops its servers and removes its namespaces
                process.waitFor(30, TimeUnit.SECONDS);
                process.destroyForcibly();
            }
            String table = Files.readString(output, StandardCharsets.UTF_8);
            String report = table + "\nstderr:\n" + Files.readString(errors, StandardCharsets.UTF_8);

            assertThat(finished).as("bench/%s/run.sh finished within 5 minutes; it printed:%n%s", bench, report).isTrue();
            assertThat(process.exitValue()).as("bench/%s/run.sh exit status; it printed:%n%s", bench, report).isZero();
            assertThat(table).as(report).containsPattern("(?m)^\\|(-+\\|)+$");
            BenchTable figures = BenchTable.parse(table);
            assertThat(figures.rows()).as(report).hasSizeGreaterThanOrEqualTo(minimumRows);
            assertThat(figures.implausible(layout)).as("figures no real run gives, in%n%s", report).isEmpty();
            if (bench.equals("tftp")) {
                assertThat(table).as(report).contains("out of 128 concurrent: Metis 0, dnsmasq 0,");
            }
            if (bench.equals("dhcp")) {
                assertThat(figures.rows()).as("no OFFER lost by Metis%n%s", report)
                        .allSatisfy(row -> assertThat(row.get(6)).matches("0 / \\d+"));
            }
        } finally {
            Files.deleteIfExists(output);
            Files.deleteIfExists(errors);
        }
    }
}
