package dev.metis.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.metis.cli.Main;
import dev.metis.testing.ExternalTool;
import dev.metis.testing.MetisProcess;
import dev.metis.testing.ServerFixture;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** deploy/systemd/metis.service: valid for systemd, a valid {@code metis serve}, and privileged enough. */
class SystemdUnitIT {

    private static final Path UNIT = Path.of("deploy/systemd/metis.service");
    private static final String NOBODY = "65534";

    @TempDir
    Path dir;

    /** The [Service] section's settings in file order; a key may repeat. */
    private static List<Map.Entry<String, String>> service() throws IOException {
        List<Map.Entry<String, String>> settings = new ArrayList<>();
        boolean inService = false;
        for (String line : Files.readAllLines(UNIT)) {
            if (line.startsWith("[")) {
                inService = line.equals("[Service]");
            } else if (inService && !line.isBlank() && !line.startsWith("#")) {
                String[] pair = line.split("=", 2);
                settings.add(Map.entry(pair[0], pair[1]));
            }
        }
        return settings;
    }

    private static String setting(String key) throws IOException {
        return service().stream().filter(e -> e.getKey().equals(key)).map(Map.Entry::getValue).reduce((a, b) -> b)
                .orElseThrow(() -> new AssertionError(UNIT + " has no " + key));
    }

    /** ExecStart split into words, with $VARIABLES replaced by the words of the unit's own Environment=. */
    private static List<String> execStart() throws IOException {
        Map<String, String> environment = new HashMap<>();
        for (Map.Entry<String, String> e : service()) {
            if (e.getKey().equals("Environment")) {
                String assignment = e.getValue().replaceAll("^\"(.*)\"$", "$1");
                environment.put(assignment.substring(0, assignment.indexOf('=')), assignment.substring(assignment.indexOf('=') + 1));
            }
        }
        List<String> words = new ArrayList<>();
        for (String word : setting("ExecStart").trim().split("\\s+")) {
            if (word.startsWith("$")) {
                String value = environment.get(word.substring(1));
                assertThat(value).as("%s is set by Environment= in %s", word, UNIT).isNotNull();
                words.addAll(value.isBlank() ? List.of() : Arrays.asList(value.trim().split("\\s+")));
            } else {
                words.add(word);
            }
        }
        return words;
    }

    @Test
    void systemdAnalyzeVerifiesTheUnitWithoutAWarning() throws Exception {
        ExternalTool.Result verify = ExternalTool.run(dir, ExternalTool.require("systemd-analyze").toString(), "verify",
                UNIT.toAbsolutePath().toString());
        assertThat(verify.exitCode()).as(verify.all()).isZero();
        assertThat(verify.all()).isBlank();
    }

    @Test
    void execStartRunsTheJarAsAServeCommandLine() throws Exception {
        List<String> words = execStart();
        assertThat(words.subList(0, 4)).containsExactly("/usr/bin/java", "-XX:+ExitOnOutOfMemoryError", "-jar", "/opt/metis/metis.jar");
        CommandLine.ParseResult parsed = Main.commandLine().parseArgs(words.subList(4, words.size()).toArray(String[]::new));
        assertThat(parsed.subcommand().commandSpec().name()).isEqualTo("serve");
        assertThat(setting("User")).isEqualTo("metis");
        assertThat(setting("StateDirectory")).isEqualTo("metis");
    }

    /**
     * Runs the jar as an unprivileged user holding exactly the unit's ambient capabilities, with proxy-DHCP
     * and TFTP on ports below 1024 bound to an interface, as the unit runs it; and shows the same run with
     * no capability is refused, so the ports are privileged indeed.
     */
    @Test
    void theUnitsCapabilitiesAreEnoughToServeDhcpAndTftpAsAnUnprivilegedUser() throws Exception {
        Assumptions.assumeTrue("root".equals(System.getProperty("user.name")), "setpriv needs root");
        String setpriv = ExternalTool.require("setpriv").toString();
        List<String> capabilities = Arrays.stream(setting("AmbientCapabilities").trim().split("\\s+"))
                .map(c -> c.toLowerCase(Locale.ROOT).replaceFirst("^cap_", "")).toList();
        assertThat(setting("CapabilityBoundingSet").trim().split("\\s+")).containsExactlyInAnyOrder(
                setting("AmbientCapabilities").trim().split("\\s+"));

        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        ServerFixture fixture = new ServerFixture(dir);
        Files.createDirectories(fixture.state);
        UserPrincipalLookupService users = dir.getFileSystem().getUserPrincipalLookupService();
        Files.setOwner(fixture.state, users.lookupPrincipalByName(NOBODY));
        Path jar = Files.copy(Path.of("target/metis.jar"), dir.resolve("metis.jar"));
        int dhcpPort = privilegedUdpPort();
        int tftpPort = privilegedUdpPort();
        List<String> serve = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar", jar.toString(), "serve", "--inventory", fixture.inventory.toString(),
                "--state-dir", fixture.state.toString(), "--boot-assets", fixture.assets.toString(),
                "--tftp-root", fixture.tftpRoot.toString(), "--http-addr", "127.0.0.1", "--http-port", Integer.toString(fixture.port),
                "--interface", "lo", "--dhcp-port", Integer.toString(dhcpPort), "--pxe-port", Integer.toString(ServerFixture.freePort()),
                "--tftp-port", Integer.toString(tftpPort)));

        try (MetisProcess metis = MetisProcess.launch(dir, asNobody(setpriv, capabilities, serve), fixture.port, Map.of())) {
            assertThat(Files.readString(metis.log)).contains("proxy-DHCP listening on UDP " + dhcpPort)
                    .contains("TFTP listening on UDP /127.0.0.1:" + tftpPort);
            try (DatagramSocket client = new DatagramSocket()) {
                client.send(new DatagramPacket(new byte[] {1, 2, 3}, 3, InetAddress.getLoopbackAddress(), dhcpPort));
            }
            String malformed = "metis_dhcp_requests_total{port=\"dhcp\",result=\"malformed\"} 1.0";
            for (int i = 0; i < 50 && !fixture.get("/metrics").body().contains(malformed); i++) {
                Thread.sleep(100);
            }
            assertThat(fixture.get("/metrics").body()).contains(malformed);
        }
        assertThatThrownBy(() -> MetisProcess.launch(dir, asNobody(setpriv, List.of(), serve), fixture.port, Map.of()))
                .hasMessageContaining("cannot listen for proxy-DHCP on UDP port " + dhcpPort + " of lo (127.0.0.1)")
                .hasMessageContaining("CAP_NET_BIND_SERVICE");
    }

    private static List<String> asNobody(String setpriv, List<String> capabilities, List<String> command) {
        String caps = "-all" + capabilities.stream().map(c -> ",+" + c).reduce("", String::concat);
        List<String> words = new ArrayList<>(List.of(setpriv, "--reuid=" + NOBODY, "--regid=" + NOBODY, "--clear-groups",
                "--no-new-privs", "--inh-caps=" + caps, "--ambient-caps=" + caps, "--bounding-set=" + caps));
        words.addAll(command);
        return words;
    }

    /** A free UDP port below 1024, away from the well-known DHCP, TFTP and PXE ports a host may use. */
    private static int privilegedUdpPort() throws IOException {
        int start = ThreadLocalRandom.current().nextInt(400);
        for (int i = 0; i < 400; i++) {
            int candidate = 600 + (start + i) % 400;
            try (DatagramSocket probe = new DatagramSocket(candidate)) {
                return candidate;
            } catch (IOException inUse) {
                // try the next one
            }
        }
        throw new IOException("no free UDP port between 600 and 999");
    }
}
