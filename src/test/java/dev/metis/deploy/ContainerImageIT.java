package dev.metis.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.metis.testing.ExternalTool;
import dev.metis.testing.MetisProcess;
import dev.metis.testing.ServerFixture;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * target/metis-image.tar, the image {@code mvn -Pimage package} builds with Jib (deploy/dev/test builds it):
 * its config names the entrypoint, its layers hold the runtime and the app, and unpacked into a directory
 * its entrypoint serves, run with chroot the way a container runtime would start it.
 */
class ContainerImageIT {

    private static final Path IMAGE = Path.of("target/metis-image.tar");
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private Path rootfs;
    private JsonNode config;

    @BeforeEach
    void unpack() throws Exception {
        if (!Files.exists(IMAGE)) {
            ExternalTool.unavailable(IMAGE + " is not built: run mvn -Pimage verify (deploy/dev/test does)");
        }
        String tar = ExternalTool.require("tar").toString();
        Path image = Files.createDirectories(dir.resolve("image"));
        untar(tar, "-xf", IMAGE.toAbsolutePath(), image);
        JsonNode manifest = JSON.readTree(image.resolve("manifest.json").toFile()).get(0);
        config = JSON.readTree(image.resolve(manifest.path("Config").asText()).toFile()).path("config");
        rootfs = Files.createDirectories(dir.resolve("rootfs"));
        for (JsonNode layer : manifest.path("Layers")) {
            untar(tar, "-xzf", image.resolve(layer.asText()), rootfs);
        }
    }

    private void untar(String tar, String mode, Path archive, Path into) throws Exception {
        ExternalTool.Result untar = ExternalTool.run(dir, tar, mode, archive.toString(), "-C", into.toString());
        assertThat(untar.exitCode()).as(untar.all()).isZero();
    }

    private List<String> entrypoint() {
        List<String> words = new ArrayList<>();
        config.path("Entrypoint").forEach(w -> words.add(w.asText()));
        return words;
    }

    @Test
    void theImageHoldsARuntimeAndTheAppItsEntrypointNames() throws Exception {
        assertThat(entrypoint()).startsWith("/opt/java/bin/java", "-XX:+ExitOnOutOfMemoryError").endsWith("dev.metis.cli.Main");
        assertThat(rootfs.resolve("opt/java/bin/java")).isExecutable();
        assertThat(rootfs.resolve("lib64/ld-linux-x86-64.so.2")).isExecutable();
        assertThat(rootfs.resolve("app/classes/dev/metis/cli/Main.class")).isRegularFile();
        String classpath = Files.readString(rootfs.resolve("app/jib-classpath-file")).trim();
        for (String entry : classpath.split(":")) {
            assertThat(rootfs.resolve(entry.substring(1))).as("classpath entry %s", entry).exists();
        }
        assertThat(classpath).contains("netty-transport-native-epoll", "spring-vault-core");
    }

    @Test
    void theEntrypointServesFromTheUnpackedImage() throws Exception {
        Assumptions.assumeTrue("root".equals(System.getProperty("user.name")), "chroot needs root");
        Files.createDirectories(rootfs.resolve("proc"));
        ServerFixture fixture = new ServerFixture(rootfs.resolve("srv"));
        // A mount namespace of its own, where /proc is mounted for the JVM and goes away with it; every step
        // execs the next, so the server is the process started here and gets exactly the image's environment.
        List<String> command = new ArrayList<>(List.of(ExternalTool.require("unshare").toString(), "--mount",
                "/bin/sh", "-c", "mount -t proc proc \"$0/proc\" && exec \"$@\"", rootfs.toString(),
                ExternalTool.require("env").toString(), "-i"));
        config.path("Env").forEach(e -> command.add(e.asText()));
        command.addAll(List.of(ExternalTool.require("chroot").toString(), rootfs.toString()));
        command.addAll(entrypoint());
        command.addAll(List.of("serve", "--no-dhcp", "--no-tftp", "--inventory", "/srv/inventory.yaml",
                "--state-dir", "/srv/state", "--boot-assets", "/srv/assets", "--http-addr", "127.0.0.1",
                "--http-port", Integer.toString(fixture.port)));

        try (MetisProcess metis = MetisProcess.launch(dir, command, fixture.port, Map.of())) {
            assertThat(fixture.get(fixture.seedPath(ServerFixture.MAC) + "user-data").body()).startsWith("#cloud-config");
            assertThat(fixture.get("/metrics").body()).contains("metis_nodes{state=\"booting\"} 1.0");
            // Netty's native transport loaded: the image's C library and /tmp work.
            assertThat(Files.readString(metis.log)).contains("(epoll transport)");
        }
        assertThat(rootfs.resolve("srv/state/journal.jsonl")).isRegularFile();
    }
}
