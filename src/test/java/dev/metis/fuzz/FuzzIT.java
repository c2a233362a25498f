package dev.metis.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import dev.metis.dhcp.Captures;
import dev.metis.tftp.TftpCodec;
import dev.metis.tftp.TftpPacket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A short Jazzer run of every fuzz target (coverage-guided, in a JVM of its own, seeded with real
 * inputs): a set number of inputs each, however long a busy machine takes for them, and no crash.
 * {@code bench/fuzz/run.sh} runs the same targets for minutes; {@code FUZZ_RUNS} scales the counts here.
 */
class FuzzIT {

    private static final Pattern DONE = Pattern.compile("Done (\\d+) runs in (\\d+) second");

    @TempDir
    Path dir;

    /** Inputs per target, some 10 to 20 s of each on a busy machine of two cores: a YAML inventory costs most. */
    private static final Map<String, Long> RUNS = Map.of("DhcpFuzzer", 300_000L, "TftpCodecFuzzer", 2_000_000L,
            "InventoryFuzzer", 400L, "HttpPathFuzzer", 80_000L);

    @ParameterizedTest
    @ValueSource(strings = {"DhcpFuzzer", "TftpCodecFuzzer", "InventoryFuzzer", "HttpPathFuzzer"})
    void fuzzTargetSurvivesAShortRun(String target) throws Exception {
        Path corpus = Files.createDirectories(dir.resolve("corpus"));
        seed(target, corpus);
        long runs = (long) (RUNS.get(target) * Double.parseDouble(System.getenv().getOrDefault("FUZZ_RUNS", "1")));
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx1g", "-cp", classPath(), "com.code_intelligence.jazzer.Jazzer",
                "--target_class=dev.metis.fuzz." + target,
                "--instrumentation_includes=dev.metis.**:org.yaml.**:com.fasterxml.**:com.helger.**",
                "-artifact_prefix=" + dir.resolve("crash-"), "-rss_limit_mb=4096", "-runs=" + runs,
                corpus.toString()));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        process.getOutputStream().close();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        // Reading the output to its end waited for the run; the bound only ends a hang.
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        String tail = output.substring(Math.max(0, output.length() - 6000));
        assertThat(process.exitValue()).as(tail).isZero();
        Matcher done = DONE.matcher(output);
        assertThat(done.find()).as(tail).isTrue();
        assertThat(Long.parseLong(done.group(1))).as("executions").isEqualTo(runs);
        System.out.printf("%s: %s runs in %s s, no crash%n", target, done.group(1), done.group(2));
    }

    /** The forked test JVM's real class path (Failsafe may hide it behind a manifest-only jar). */
    private static String classPath() {
        String full = System.getProperty("surefire.test.class.path");
        return full != null && !full.isBlank() ? full : System.getProperty("java.class.path");
    }

    private static void seed(String target, Path corpus) throws Exception {
        switch (target) {
            case "DhcpFuzzer" -> {
                for (String capture : List.of("ipxe-bios-discover", "ipxe-efi-request", "ovmf-pxe-discover",
                        "udhcpc-request", "dnsmasq-offer")) {
                    Files.write(corpus.resolve(capture), Captures.load(capture));
                }
            }
            case "TftpCodecFuzzer" -> {
                Files.write(corpus.resolve("rrq"), TftpCodec.encode(new TftpPacket.Request(false, "ipxe.efi", "octet",
                        Map.of("blksize", "1468", "tsize", "0", "windowsize", "8"))));
                Files.write(corpus.resolve("ack"), TftpCodec.encode(new TftpPacket.Ack(7)));
            }
            case "InventoryFuzzer" -> Files.copy(Path.of("deploy/example/inventory.yaml"), corpus.resolve("example"));
            default -> Files.writeString(corpus.resolve("ipxe"), "\0/ipxe/52:54:00:20:00:11\1");
        }
        assertThat(corpus.toFile().list()).isNotEmpty();
    }
}
