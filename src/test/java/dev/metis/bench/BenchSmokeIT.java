package dev.metis.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.metis.testing.ExternalTool;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Every benchmark under {@code bench/} still runs to its table, against its anchors, in one short round
 * ({@code SMOKE=1}). The figures of so short a run mean nothing and are not judged; what is checked is
 * that every server and client answered: a benchmark that silently broke (the HTTP one did, for every
 * request, when seeds began to need a token) would otherwise go unnoticed until someone reran it.
 */
class BenchSmokeIT {

    private static final Pattern RATIO = Pattern.compile("\\| *\\d*\\.\\d+x *\\|");

    @ParameterizedTest(name = "bench/{0}")
    @CsvSource({"dhcp, 2", "http, 2", "tftp, 5", "image, 2"})
    void runsToAWholeTable(String bench, int minimumRows) throws IOException, InterruptedException {
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
            List<String> rows = table.lines().filter(line -> line.startsWith("| ") && !line.startsWith("| workload")
                    && !line.startsWith("| in flight") && !line.startsWith("| target")).toList();
            assertThat(rows).as(report).hasSizeGreaterThanOrEqualTo(minimumRows)
                    .allSatisfy(row -> assertThat(row).doesNotContain("n/a").containsPattern(RATIO));
            if (bench.equals("tftp")) {
                assertThat(table).as(report).contains("out of 128 concurrent: Metis 0, dnsmasq 0,");
            }
            if (bench.equals("dhcp")) {
                assertThat(rows).as("no OFFER lost by Metis%n%s", report).allSatisfy(row -> assertThat(row).containsPattern("\\| 0 / \\d+ \\|$"));
            }
        } finally {
            Files.deleteIfExists(output);
            Files.deleteIfExists(errors);
        }
    }
}
