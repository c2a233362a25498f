package dev.metis.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.metis.testing.Cli;
import dev.metis.testing.InventoryFixture;
import dev.metis.testing.LogCapture;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A canary secret must never reach output, logs or errors unless the user asks to reveal secrets. */
class CanarySecretTest {

    private static final String CANARY = "CANARY-9f3b7c1e";

    @TempDir
    Path dir;

    private Path inventory;

    @BeforeEach
    void writeInventory() throws Exception {
        inventory = InventoryFixture.write(dir, "inventory.yaml", InventoryFixture.site("secrets.yaml") + """
                classes:
                  c:
                    arch: amd64
                    delivery: netboot
                    netboot: {kernel: k}
                    k3s: {role: agent}
                    users: {ops: {password: true}}
                    files: {/etc/psk: {content: "psk={{secrets.extra.psk}}"}}
                nodes:
                  n1: {class: c, mac: 02:00:00:00:00:01, ip: 192.0.2.21/24}
                """);
        writeSecrets("""
                defaults:
                  k3s_token: %1$s-token
                nodes:
                  n1:
                    ssh_password: "%1$s-password"
                    extra: {psk: %1$s-extra}
                """.formatted(CANARY));
    }

    private void writeSecrets(String yaml) throws Exception {
        Path secrets = InventoryFixture.write(dir, "secrets.yaml", yaml);
        Files.setPosixFilePermissions(secrets, PosixFilePermissions.fromString("rw-------"));
    }

    private String runAll(String... extra) {
        StringBuilder seen = new StringBuilder();
        String file = inventory.toString();
        String[][] commands = {
                {"inventory", "check", "--inventory", file},
                {"config", "--inventory", file, "--node", "n1"},
                {"config", "--inventory", file, "--node", "n1", "--explain"},
                {"render", "--inventory", file, "--node", "n1", "user-data"},
                {"render", "--inventory", file, "--node", "n1", "k3s-config"},
                {"render", "--inventory", file, "--node", "n1", "meta-data"},
                {"render", "--inventory", file, "--node", "n1", "ipxe"},
        };
        for (String[] command : commands) {
            String[] args = java.util.stream.Stream.concat(java.util.Arrays.stream(command), java.util.Arrays.stream(extra))
                    .toArray(String[]::new);
            if (extra.length > 0 && command[0].equals("inventory")) {
                continue;
            }
            seen.append(Cli.run(args).all());
        }
        return seen.toString();
    }

    @Test
    void noCommandPrintsOrLogsTheCanaryByDefault() {
        try (LogCapture logs = new LogCapture()) {
            String output = runAll();
            assertThat(output).contains("<redacted>").doesNotContain(CANARY);
            assertThat(logs.text()).doesNotContain(CANARY);
        }
    }

    @Test
    void revealSecretsShowsThemWhenAsked() {
        String output = runAll("--reveal-secrets");
        assertThat(output).contains(CANARY + "-token", CANARY + "-password", "psk=" + CANARY + "-extra");
    }

    @Test
    void errorsInTheSecretsFileNeverQuoteItsValues() throws Exception {
        try (LogCapture logs = new LogCapture()) {
            writeSecrets("nodes:\n  n1:\n    k3s_token: [%s]\n    ssh_pasword: %s\n".formatted(CANARY, CANARY));
            Cli.Run typeErrors = Cli.run("config", "--inventory", inventory.toString(), "--node", "n1");
            assertThat(typeErrors.exitCode()).isEqualTo(1);
            assertThat(typeErrors.err()).contains("secrets.yaml:3:16: secrets.nodes.n1.k3s_token: expected a single value, got a list")
                    .contains("unknown field 'ssh_pasword'").doesNotContain(CANARY);

            writeSecrets("nodes:\n  n1:\n    k3s_token: \"%s\n    other: x\n".formatted(CANARY));
            Cli.Run syntaxError = Cli.run("render", "--inventory", inventory.toString(), "--node", "n1", "user-data");
            assertThat(syntaxError.exitCode()).isEqualTo(1);
            assertThat(syntaxError.err()).contains("secrets.yaml:").doesNotContain(CANARY);
            assertThat(logs.text()).doesNotContain(CANARY);
        }
    }

    @Test
    void aSecretsFileReadableByOthersIsWarnedAbout() throws Exception {
        Files.setPosixFilePermissions(dir.resolve("secrets.yaml"), PosixFilePermissions.fromString("rw-r--r--"));
        try (LogCapture logs = new LogCapture()) {
            Cli.run("inventory", "check", "--inventory", inventory.toString());
            assertThat(logs.text()).contains("secrets file " + dir.resolve("secrets.yaml") + " is readable by group or others");
        }
    }
}
