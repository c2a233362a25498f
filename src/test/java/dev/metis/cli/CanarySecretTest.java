package dev.metis.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.metis.testing.Cli;
import dev.metis.testing.FakeVault;
import dev.metis.testing.InventoryFixture;
import dev.metis.testing.LogCapture;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A canary secret must never reach output, logs or errors unless the user asks to reveal secrets. */
class CanarySecretTest {

    private static final String CANARY = "CANARY-9f3b7c1e";
    private static final String VAULT_TOKEN = "hvs.cli-token-0b7e";

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
        return runAll(Map.of(), inventory, extra);
    }

    private static String runAll(Map<String, String> env, Path inventory, String... extra) {
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
        // render's phone-home key comes from a site key: one of the test's own, never the machine's
        String[] stateDir = {"--state-dir", inventory.resolveSibling("state").toString()};
        for (String[] command : commands) {
            String[] args = java.util.stream.Stream.of(command, extra, command[0].equals("render") ? stateDir : new String[0])
                    .flatMap(java.util.Arrays::stream).toArray(String[]::new);
            if (extra.length > 0 && command[0].equals("inventory")) {
                continue;
            }
            seen.append(Cli.run(env, args).all());
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

    /** What SnakeYAML would quote: an alias's or tag's name, an escape sequence. */
    @Test
    void yamlErrorsInTheSecretsFileNameThePlaceNotTheText() throws Exception {
        Map<String, String> expected = Map.of(
                "nodes:\n  n1:\n    k3s_token: *%s\n", "secrets.yaml:3:16: YAML syntax: an alias (*name) names no anchor (&name) written before it",
                "nodes:\n  n1:\n    k3s_token: !!%s x\n", "secrets.yaml:3:16: YAML syntax: '!!' tags are not allowed",
                "nodes:\n  n1:\n    k3s_token: \"\\u%s\"\n", "secrets.yaml:3:19: YAML syntax: not valid YAML here (the parser's description is left out, as it may quote the file)");
        try (LogCapture logs = new LogCapture()) {
            for (var entry : expected.entrySet()) {
                writeSecrets(entry.getKey().formatted(CANARY));
                assertThat(runAll()).as(entry.getKey()).contains(entry.getValue()).doesNotContain("CANA", "Exception");
            }
            assertThat(logs.text()).doesNotContain(CANARY);
        }
    }

    @Test
    void aNodeOrExtraWithoutAValueIsAProblemAtItsLine() throws Exception {
        writeSecrets("nodes:\n  n1:\n  n2: {extra: {psk: %s, wifi: }}\n".formatted(CANARY));
        String output = runAll();
        assertThat(output).contains("secrets.yaml:2:3: secrets.nodes.n1: no value (write {} for a node with no secrets of its own)",
                "secrets.yaml:3:38: secrets.nodes.n2.extra.wifi: no value").doesNotContain(CANARY, "Exception", "metis: ");
    }

    /** Each command reports them as problems, with no stack trace and without unfolding the bomb. */
    @Test
    void aRecursiveAliasOrAnAliasBombInTheSecretsFileIsAProblem() throws Exception {
        writeSecrets("nodes: {n1: {k3s_token: %s}}\n".formatted(CANARY) + InventoryFixture.RECURSIVE_ALIAS);
        assertThat(runAll()).contains("secrets.yaml:2:7: YAML: recursive alias: the node anchored here contains an alias of itself")
                .doesNotContain(CANARY, "Exception", "\tat ");
        writeSecrets("nodes: {n1: {k3s_token: %s}}\n".formatted(CANARY) + InventoryFixture.aliasBomb("defaults"));
        assertThat(runAll()).contains("secrets.yaml:2:1: YAML: the document unfolds to more than")
                .doesNotContain(CANARY, "Exception", "\tat ");
    }

    @Test
    void aSecretsFileReadableByOthersIsWarnedAbout() throws Exception {
        Files.setPosixFilePermissions(dir.resolve("secrets.yaml"), PosixFilePermissions.fromString("rw-r--r--"));
        try (LogCapture logs = new LogCapture()) {
            Cli.run("inventory", "check", "--inventory", inventory.toString());
            assertThat(logs.text()).contains("secrets file " + dir.resolve("secrets.yaml") + " is readable by group or others");
        }
    }

    /** The same inventory with its secrets in Vault: the canary is in every field Vault can hold. */
    private Path vaultInventory() throws Exception {
        String yaml = Files.readString(inventory).replace("""
                  secrets:
                    source: file
                    file: secrets.yaml
                """, """
                  secrets: {source: vault}
                """);
        assertThat(yaml).contains("source: vault");
        return InventoryFixture.write(dir, "vault-inventory.yaml", yaml);
    }

    private static FakeVault vaultWithCanary() throws Exception {
        return FakeVault.start().token(VAULT_TOKEN).secret("secret/data/nodes/n1", Map.of(
                "k3s_token", CANARY + "-token", "ssh_password", CANARY + "-password",
                "extra", Map.of("psk", CANARY + "-extra"),
                "cloud_init", "runcmd: [echo " + CANARY + "-cloud-init]\n"));
    }

    @Test
    void aCanaryInVaultReachesOnlyRevealedOutput() throws Exception {
        Path file = vaultInventory();
        try (FakeVault vault = vaultWithCanary(); LogCapture logs = new LogCapture()) {
            Map<String, String> env = Map.of("VAULT_ADDR", vault.address(), "VAULT_TOKEN", VAULT_TOKEN);
            String shown = runAll(env, file);
            assertThat(shown).contains("<redacted>", "runcmd").doesNotContain(CANARY, VAULT_TOKEN);
            String revealed = runAll(env, file, "--reveal-secrets");
            assertThat(revealed).contains(CANARY + "-token", CANARY + "-password", "psk=" + CANARY + "-extra",
                    "echo " + CANARY + "-cloud-init").doesNotContain(VAULT_TOKEN);
            assertThat(logs.text()).doesNotContain(CANARY, VAULT_TOKEN);
        }
    }

    @Test
    void vaultFailuresNameTheNodeAndPathButNoCredential() throws Exception {
        Path file = vaultInventory();
        try (FakeVault vault = vaultWithCanary(); LogCapture logs = new LogCapture()) {
            Map<String, String> token = Map.of("VAULT_ADDR", vault.address(), "VAULT_TOKEN", VAULT_TOKEN);
            String where = "metis: node n1: Vault secret secret/data/nodes/n1 at " + vault.address() + ": ";
            vault.forbid("secret/data/nodes/n1");
            Cli.Run forbidden = Cli.run(token, "render", "--inventory", file.toString(), "--node", "n1", "user-data");
            assertThat(forbidden.exitCode()).isEqualTo(1);
            assertThat(forbidden.err()).startsWith(where).contains("permission denied (HTTP 403)");
            assertThat(forbidden.out()).isEmpty();

            Map<String, String> appRole = Map.of("VAULT_ADDR", vault.address(), "VAULT_ROLE_ID", "role-" + CANARY,
                    "VAULT_SECRET_ID", "secret-" + CANARY);
            Cli.Run login = Cli.run(appRole, "inventory", "check", "--inventory", file.toString());
            assertThat(login.exitCode()).isEqualTo(1);
            assertThat(login.err()).startsWith(where + "AppRole login failed");

            vault.allow("secret/data/nodes/n1");
            vault.deleteSecret("secret/data/nodes/n1");
            Cli.Run missing = Cli.run(token, "config", "--inventory", file.toString(), "--node", "n1");
            assertThat(missing.err()).isEqualTo(where + "not found (HTTP 404)\n");

            vault.close();
            Cli.Run down = Cli.run(token, "config", "--inventory", file.toString(), "--node", "n1", "--explain");
            assertThat(down.exitCode()).isEqualTo(1);
            // spring-vault may warn first that it could not look the token up; the error is the last line
            assertThat(down.err().lines().reduce((a, b) -> b).orElseThrow()).startsWith(where + "unreachable");

            Cli.Run unset = Cli.run(Map.of(), "render", "--inventory", file.toString(), "--node", "n1", "meta-data");
            assertThat(unset.exitCode()).isEqualTo(1);
            assertThat(unset.err()).contains(file + ":8:3: site.secrets: source vault needs VAULT_ADDR");
            for (Cli.Run run : List.of(forbidden, login, missing, down, unset)) {
                assertThat(run.all()).doesNotContain(CANARY, VAULT_TOKEN);
            }
            assertThat(logs.text()).doesNotContain(CANARY, VAULT_TOKEN);
        }
    }
}
