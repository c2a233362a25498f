package dev.metis.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * Real peers (cloud-init, fsck.fat, curl, ...) the tests run against. Where one is missing a local run
 * skips with the reason; in CI (CI=true) the setup script must have installed it, so a missing tool fails.
 */
public final class ExternalTool {

    private ExternalTool() {
    }

    public static Path require(String command) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            Path candidate = Path.of(dir, command);
            if (Files.isExecutable(candidate)) {
                return candidate;
            }
        }
        return unavailable(command + " is not installed (deploy/dev/setup test installs it)");
    }

    /** Something a test needs is not there: skips the test locally, fails it in CI. */
    public static <T> T unavailable(String reason) {
        if ("true".equals(System.getenv("CI"))) {
            fail(reason);
        }
        Assumptions.abort(reason);
        return null;
    }

    /** What a finished command printed: {@code output} is stdout, {@code errors} stderr. */
    public record Result(int exitCode, String output, String errors) {
        /** Both streams, for assertion messages. */
        public String all() {
            return output + errors;
        }
    }

    /** Runs a command to completion, with no standard input, and fails the test unless it exits 0. */
    public static Result runSuccessfully(Path workDir, String... command) throws IOException, InterruptedException {
        Result result = run(workDir, command);
        assertThat(result.exitCode()).as(String.join(" ", command) + "\n" + result.all()).isZero();
        return result;
    }

    /** Runs a command to completion, with no standard input. */
    public static Result run(Path workDir, String... command) throws IOException, InterruptedException {
        List<String> args = new ArrayList<>(Arrays.asList(command));
        Path errors = Files.createTempFile("metis-test-stderr", ".txt");
        try {
            Process process = new ProcessBuilder(args).directory(workDir.toFile())
                    .redirectError(errors.toFile()).start();
            process.getOutputStream().close();
            byte[] output = process.getInputStream().readAllBytes();
            if (!process.waitFor(120, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                fail("timed out: " + String.join(" ", command));
            }
            return new Result(process.exitValue(), new String(output, StandardCharsets.UTF_8),
                    Files.readString(errors, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(errors);
        }
    }
}
