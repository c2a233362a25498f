package dev.metis.testing;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** {@code java -jar target/metis.jar} as a separate process, for restarts and {@code kill -9}. */
public final class MetisProcess implements AutoCloseable {

    private final Process process;
    public final Path log;

    private MetisProcess(Process process, Path log) {
        this.process = process;
        this.log = log;
    }

    public static MetisProcess start(Path workDir, List<String> args, int port) throws Exception {
        return start(workDir, args, port, Map.of());
    }

    /** @param env added to the process's environment (e.g. VAULT_ADDR and VAULT_TOKEN) */
    public static MetisProcess start(Path workDir, List<String> args, int port, Map<String, String> env) throws Exception {
        List<String> command = new ArrayList<>(javaJar());
        command.addAll(args);
        return launch(workDir, command, port, env);
    }

    /** {@code java -jar target/metis.jar}, for tests that run it under a wrapper such as setpriv. */
    public static List<String> javaJar() {
        return List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar",
                Path.of("target/metis.jar").toAbsolutePath().toString());
    }

    /**
     * Runs a whole command line that ends in {@code metis serve}, and waits until it answers /healthz.
     *
     * @throws IllegalStateException with the process's output if it exits first
     */
    public static MetisProcess launch(Path workDir, List<String> command, int port, Map<String, String> env) throws Exception {
        Path log = workDir.resolve("metis-" + System.nanoTime() + ".log");
        ProcessBuilder builder = new ProcessBuilder(command).directory(workDir.toFile())
                .redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().put("METIS_ADMIN_TOKEN", ServerFixture.ADMIN_TOKEN);
        builder.environment().putAll(env);
        MetisProcess metis = new MetisProcess(builder.start(), log);
        try {
            metis.awaitReady(port);
        } catch (Exception | Error e) {
            metis.kill9();
            throw e;
        }
        return metis;
    }

    private void awaitReady(int port) throws Exception {
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("metis exited: " + java.nio.file.Files.readString(log));
            }
            try {
                HttpResponse<String> health = client.send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + port + "/healthz")).build(), HttpResponse.BodyHandlers.ofString());
                if (health.statusCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                Thread.sleep(50);
            }
        }
        throw new IllegalStateException("metis did not become ready: " + java.nio.file.Files.readString(log));
    }

    /** @return the exit code, once the process has exited on its own within {@code timeout} */
    public int awaitExit(Duration timeout) throws Exception {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new AssertionError("metis still runs after " + timeout + ": " + java.nio.file.Files.readString(log));
        }
        return process.exitValue();
    }

    /** SIGKILL: no shutdown hook, no flush. */
    public void kill9() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor();
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            kill9();
        }
    }
}
