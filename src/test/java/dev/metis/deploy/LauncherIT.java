package dev.metis.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.metis.testing.ExternalTool;
import dev.metis.testing.MetisProcess;
import dev.metis.testing.ServerFixture;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** deploy/bin/metis: the same answers as {@code java -jar}, and a class-data archive only from a good run. */
class LauncherIT {

    private static final Path LAUNCHER = Path.of("deploy/bin/metis").toAbsolutePath();

    @TempDir
    Path cache;
    @TempDir
    Path example;
    private String inventory;

    /** The example inventory with its secrets file private, as Metis wants it: then nothing is logged. */
    @BeforeEach
    void copyExample() throws Exception {
        Path source = Path.of("deploy/example");
        try (Stream<Path> files = Files.walk(source)) {
            for (Path file : files.toList()) {
                Path copy = example.resolve(source.relativize(file).toString());
                if (Files.isDirectory(file)) {
                    Files.createDirectories(copy);
                } else {
                    Files.copy(file, copy);
                }
            }
        }
        Files.setPosixFilePermissions(example.resolve("secrets.yaml"), PosixFilePermissions.fromString("rw-------"));
        inventory = example.resolve("inventory.yaml").toString();
    }

    private ExternalTool.Result launcher(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("env", "XDG_CACHE_HOME=" + cache,
                "JAVA=" + Path.of(System.getProperty("java.home"), "bin", "java"), LAUNCHER.toString()));
        command.addAll(List.of(args));
        return ExternalTool.run(Path.of("").toAbsolutePath(), command.toArray(String[]::new));
    }

    private static ExternalTool.Result javaJar(String... args) throws Exception {
        List<String> command = new ArrayList<>(MetisProcess.javaJar());
        command.addAll(List.of(args));
        return ExternalTool.run(Path.of("").toAbsolutePath(), command.toArray(String[]::new));
    }

    private List<Path> archives() throws Exception {
        Path dir = cache.resolve("metis/cds");
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(dir)) {
            return files.sorted().toList();
        }
    }

    @Test
    void aOneShotCommandAnswersAsJavaJarDoesAndItsSecondRunMapsTheArchiveOfItsFirst() throws Exception {
        String[] render = {"render", "--inventory", inventory, "--node", "cp-01", "user-data"};
        ExternalTool.Result expected = javaJar(render);
        assertThat(expected.exitCode()).as(expected.all()).isZero();

        ExternalTool.Result first = launcher(render);
        assertThat(first.exitCode()).as(first.all()).isZero();
        assertThat(first.output()).isEqualTo(expected.output());
        assertThat(archives()).singleElement().satisfies(archive -> {
            assertThat(archive.getFileName().toString()).startsWith("render-").endsWith(".jsa");
            assertThat(Files.size(archive)).isPositive();
        });
        Path archive = archives().get(0);
        FileTime written = Files.getLastModifiedTime(archive);

        ExternalTool.Result second = launcher(render);
        assertThat(second.exitCode()).as(second.all()).isZero();
        assertThat(second.output()).isEqualTo(expected.output());
        assertThat(second.errors()).isEmpty(); // nothing of the JVM's or CDS's own
        assertThat(archives()).containsExactly(archive);
        assertThat(Files.getLastModifiedTime(archive)).isEqualTo(written);
    }

    @Test
    void aFailedFirstRunOrAHelpTextLeavesNoArchive() throws Exception {
        ExternalTool.Result unknownNode = launcher("render", "--inventory", inventory, "--node", "no-such-node", "user-data");
        assertThat(unknownNode.exitCode()).isNotZero();
        assertThat(unknownNode.errors()).contains("no-such-node");

        ExternalTool.Result help = launcher("image", "--help");
        assertThat(help.exitCode()).as(help.all()).isZero();
        assertThat(help.output()).contains("--output");

        assertThat(archives()).isEmpty();
    }

    /**
     * A full heap leaves a JVM that accepts connections and never answers them, while it looks alive to
     * its supervisor: the launcher's serve exits instead. Here with a small heap and an edit that is
     * within every bound of the YAML reader but more than that heap holds.
     */
    @Test
    void serveExitsWhenItsHeapRunsOut(@TempDir Path dir) throws Exception {
        ServerFixture fixture = new ServerFixture(dir);
        Path smallHeap = dir.resolve("java-with-a-small-heap");
        Files.writeString(smallHeap, "#!/bin/sh\nexec '" + Path.of(System.getProperty("java.home"), "bin", "java")
                + "' -Xmx16m \"$@\"\n");
        Files.setPosixFilePermissions(smallHeap, PosixFilePermissions.fromString("rwx------"));
        List<String> serve = List.of(LAUNCHER.toString(), "serve", "--no-dhcp", "--no-tftp",
                "--inventory", fixture.inventory.toString(), "--state-dir", fixture.state.toString(),
                "--boot-assets", fixture.assets.toString(), "--http-addr", "127.0.0.1", "--http-port", Integer.toString(fixture.port));
        try (MetisProcess metis = MetisProcess.launch(dir, serve, fixture.port, Map.of("JAVA", smallHeap.toString()))) {
            Files.writeString(fixture.inventory, fixture.inventoryYaml("") + "big: [" + "value-of-forty-characters-or-so-each, ".repeat(45_000) + "x]\n");
            assertThat(metis.awaitExit(Duration.ofMinutes(2))).isEqualTo(3);
            assertThat(Files.readString(metis.log)).contains("Terminating due to java.lang.OutOfMemoryError");
        }
    }
}
