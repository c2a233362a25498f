package dev.metis.secrets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.metis.inventory.InvalidInputException;
import dev.metis.inventory.Inventory;
import dev.metis.inventory.InventoryLoader;
import dev.metis.inventory.ResolvedNode;
import dev.metis.secrets.SecretUnavailableException.Reason;
import dev.metis.testing.FakeVault;
import dev.metis.testing.InventoryFixture;
import dev.metis.testing.LogCapture;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Vault source with the real spring-vault client over real HTTP, against {@link FakeVault}. */
class VaultSecretSourceTest {

    private static final String TOKEN = "hvs.test-root-token-7c1f";
    private static final String ROLE_ID = "role-id-5a2e";
    private static final String SECRET_ID = "secret-id-9d4b";
    private static final String PATH = "secret/data/nodes/web-1";

    @TempDir
    Path dir;

    private FakeVault vault;
    private final List<Optional<Reason>> reads = new ArrayList<>();
    private int reused;
    private final VaultSecretSource.Observer observer = new VaultSecretSource.Observer() {
        @Override
        public synchronized void read(Optional<Reason> failure) {
            reads.add(failure);
        }

        @Override
        public synchronized void reused() {
            reused++;
        }
    };

    @BeforeEach
    void startVault() throws Exception {
        vault = FakeVault.start().token(TOKEN).appRole(ROLE_ID, SECRET_ID).secret(PATH, Map.of(
                "k3s_token", "K10-token", "ssh_password", "$6$salt$hash",
                "extra", Map.of("wifi_psk", "psk-123", "channel", 6),
                "cloud_init", "packages: [htop]\nbootcmd: [echo hi]\n"));
    }

    @AfterEach
    void stopVault() {
        vault.close();
    }

    private Inventory inventory(String vaultSettings) throws Exception {
        return InventoryLoader.load(InventoryFixture.write(dir, "inventory.yaml",
                InventoryFixture.vaultSite(vaultSettings) + InventoryFixture.TWO_NODES));
    }

    private Map<String, String> tokenEnv() {
        return Map.of("VAULT_ADDR", vault.address(), "VAULT_TOKEN", TOKEN);
    }

    private Map<String, String> appRoleEnv() {
        return Map.of("VAULT_ADDR", vault.address(), "VAULT_ROLE_ID", ROLE_ID, "VAULT_SECRET_ID", SECRET_ID);
    }

    private SecretSource source(Inventory inventory, Map<String, String> env) throws InvalidInputException {
        return SecretSources.forInventory(inventory, env, observer);
    }

    private static ResolvedNode node(Inventory inventory, String name) {
        return inventory.node(name).orElseThrow();
    }

    private SecretUnavailableException failure(SecretSource source, ResolvedNode node) {
        try {
            source.secretsFor(node);
        } catch (SecretUnavailableException e) {
            assertThat(e.getMessage()).doesNotContain(TOKEN, ROLE_ID, SECRET_ID);
            return e;
        }
        throw new AssertionError("expected the secrets of " + node.name() + " to be unavailable");
    }

    @Test
    void aTokenReadsTheNodesSecretAndIsSentOnEveryRequest() throws Exception {
        Inventory inventory = inventory("{}");
        try (SecretSource source = source(inventory, tokenEnv())) {
            NodeSecrets secrets = source.secretsFor(node(inventory, "web-1"));
            assertThat(secrets.k3sToken().orElseThrow().reveal()).isEqualTo("K10-token");
            assertThat(secrets.sshPassword().orElseThrow().reveal()).isEqualTo("$6$salt$hash");
            assertThat(secrets.extra()).containsEntry("wifi_psk", Secret.of("psk-123")).containsEntry("channel", Secret.of("6"));
            assertThat(secrets.revealCloudInit().orElseThrow()).containsEntry("packages", List.of("htop"));
        }
        assertThat(vault.requests("GET", "/v1/" + PATH)).singleElement().extracting(FakeVault.Request::token).isEqualTo(TOKEN);
        // a renewable token is looked up so it can be renewed; a token Metis was given is never revoked
        assertThat(vault.requests("GET", "/v1/auth/token/lookup-self")).isNotEmpty();
        assertThat(vault.requests("POST", "/v1/auth/token/revoke-self")).isEmpty();
        assertThat(vault.requests()).allSatisfy(r -> assertThat(r.token()).isEqualTo(TOKEN));
    }

    @Test
    void mountAndPathTemplateNameTheSecret() throws Exception {
        vault.secret("kv/lab/data/metis/n2/host-two", Map.of("k3s_token", "other"));
        Inventory inventory = inventory("{mount: /kv/lab/, path: \"metis/{{name}}/{{ hostname }}\"}");
        try (SecretSource source = source(inventory, tokenEnv())) {
            assertThat(source.secretsFor(node(inventory, "n2")).k3sToken().orElseThrow().reveal()).isEqualTo("other");
        }
    }

    @Test
    void appRoleLogsInUsesTheIssuedTokenAndRevokesItOnClose() throws Exception {
        Inventory inventory = inventory("{}");
        try (SecretSource source = source(inventory, appRoleEnv())) {
            assertThat(source.secretsFor(node(inventory, "web-1")).k3sToken()).isPresent();
        }
        assertThat(vault.requests("POST", "/v1/auth/approle/login")).hasSize(1);
        assertThat(vault.requests("GET", "/v1/" + PATH)).singleElement().extracting(FakeVault.Request::token)
                .isEqualTo("hvs.approle-1");
        assertThat(vault.requests("POST", "/v1/auth/token/revoke-self")).singleElement()
                .extracting(FakeVault.Request::token).isEqualTo("hvs.approle-1");
    }

    @Test
    void anAppRoleTokenIsRenewedBeforeItExpiresAndReplacedWhenItCannotBe() throws Exception {
        // renewal runs 5 s before expiry; a renewal that leaves under 7 s drops the token
        vault.leases(6, 2);
        Inventory inventory = inventory("{ttl: 0s}");
        try (SecretSource source = source(inventory, appRoleEnv())) {
            source.secretsFor(node(inventory, "web-1"));
            await(() -> !vault.requests("POST", "/v1/auth/token/renew-self").isEmpty());
            assertThat(vault.requests("POST", "/v1/auth/token/renew-self").get(0).token()).isEqualTo("hvs.approle-1");
            Thread.sleep(200);
            source.secretsFor(node(inventory, "web-1"));
            assertThat(vault.logins()).isEqualTo(2);
            assertThat(vault.requests("GET", "/v1/" + PATH)).last().extracting(FakeVault.Request::token).isEqualTo("hvs.approle-2");
        }
    }

    @Test
    void aRevokedAppRoleTokenIsReplacedByANewLoginWithItsOwnRenewalOnly() throws Exception {
        vault.leases(6, 3600);
        Inventory inventory = inventory("{ttl: 0s}");
        try (SecretSource source = source(inventory, appRoleEnv())) {
            source.secretsFor(node(inventory, "web-1"));
            vault.revoke("hvs.approle-1");
            assertThat(source.secretsFor(node(inventory, "web-1")).k3sToken()).isPresent();
            // the first token's renewal must not live on and renew the second one as well
            Thread.sleep(2500);
            assertThat(vault.requests("POST", "/v1/auth/token/renew-self")).extracting(FakeVault.Request::token)
                    .containsExactly("hvs.approle-2");
        }
        assertThat(vault.logins()).isEqualTo(2);
        assertThat(reads).containsExactly(Optional.empty(), Optional.of(Reason.FORBIDDEN), Optional.empty());
    }

    @Test
    void wrongAppRoleCredentialsFailTheLoginWithoutNamingThem() throws Exception {
        Inventory inventory = inventory("{}");
        try (SecretSource source = source(inventory, Map.of("VAULT_ADDR", vault.address(), "VAULT_ROLE_ID", ROLE_ID,
                "VAULT_SECRET_ID", "wrong-secret-id"))) {
            SecretUnavailableException e = failure(source, node(inventory, "web-1"));
            assertThat(e.reason()).isEqualTo(Reason.LOGIN);
            assertThat(e.getMessage()).startsWith("node web-1: Vault secret " + PATH + " at " + vault.address() + ": AppRole login failed")
                    .contains("invalid role or secret ID").doesNotContain("wrong-secret-id");
        }
    }

    @Test
    void aMissingSecretNamesTheNodeAndPath() throws Exception {
        Inventory inventory = inventory("{}");
        try (SecretSource source = source(inventory, tokenEnv())) {
            SecretUnavailableException e = failure(source, node(inventory, "n2"));
            assertThat(e.reason()).isEqualTo(Reason.MISSING);
            assertThat(e.getMessage()).isEqualTo("node n2: Vault secret secret/data/nodes/host-two at " + vault.address()
                    + ": not found (HTTP 404)");
        }
    }

    @Test
    void forbiddenIsTriedOnceMoreWithAFreshLoginThenReported() throws Exception {
        vault.forbid(PATH);
        Inventory inventory = inventory("{}");
        try (SecretSource source = source(inventory, tokenEnv())) {
            SecretUnavailableException e = failure(source, node(inventory, "web-1"));
            assertThat(e.reason()).isEqualTo(Reason.FORBIDDEN);
            assertThat(e.getMessage()).isEqualTo("node web-1: Vault secret " + PATH + " at " + vault.address()
                    + ": 1 error occurred: * permission denied (HTTP 403)");
        }
        assertThat(vault.requests("GET", "/v1/" + PATH)).hasSize(2);
    }

    @Test
    void vaultDownIsUnreachable() throws Exception {
        Inventory inventory = inventory("{}");
        vault.close();
        try (SecretSource source = source(inventory, tokenEnv())) {
            SecretUnavailableException e = failure(source, node(inventory, "web-1"));
            assertThat(e.reason()).isEqualTo(Reason.UNREACHABLE);
            assertThat(e.getMessage()).startsWith("node web-1: Vault secret " + PATH + " at " + vault.address() + ": unreachable");
        }
    }

    @Test
    void aSlowVaultTimesOut() throws Exception {
        vault.delay(Duration.ofSeconds(3));
        Inventory inventory = inventory("{timeout: 300ms}");
        try (SecretSource source = source(inventory, tokenEnv())) {
            long started = System.nanoTime();
            SecretUnavailableException e = failure(source, node(inventory, "web-1"));
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(2));
            assertThat(e.reason()).isEqualTo(Reason.TIMEOUT);
            assertThat(e.getMessage()).endsWith(": no answer within 300 ms");
        }
    }

    @Test
    void unusableFieldsAreNamedButNeverQuoted() throws Exception {
        Inventory inventory = inventory("{ttl: 0s}");
        try (SecretSource source = source(inventory, tokenEnv())) {
            vault.secret(PATH, Map.of("k3s_tokn", "value-1a2b3c"));
            assertThat(failure(source, node(inventory, "web-1")).getMessage())
                    .endsWith(": unknown field 'k3s_tokn' (did you mean 'k3s_token'?)");
            vault.secret(PATH, Map.of("k3s_token", List.of("value-1a2b3c")));
            assertThat(failure(source, node(inventory, "web-1")).getMessage()).endsWith(": field 'k3s_token': expected a string");
            vault.secret(PATH, Map.of("extra", Map.of("psk", Map.of("deep", "value-1a2b3c"))));
            assertThat(failure(source, node(inventory, "web-1")).getMessage()).endsWith(": field 'extra.psk': expected a single value");
            vault.secret(PATH, Map.of("cloud_init", "- value-1a2b3c"));
            assertThat(failure(source, node(inventory, "web-1")).getMessage())
                    .endsWith(": field 'cloud_init': expected a mapping of cloud-config keys");
            vault.secret(PATH, Map.of("cloud_init", "a: [value-1a2b3c"));
            SecretUnavailableException notYaml = failure(source, node(inventory, "web-1"));
            assertThat(notYaml.reason()).isEqualTo(Reason.INVALID);
            assertThat(notYaml.getMessage()).contains(": field 'cloud_init': not valid YAML (line ").doesNotContain("value-1a2b3c");
            vault.secret(PATH, Map.of("cloud_init", Map.of("runcmd", List.of("echo value-1a2b3c"))));
            assertThat(source.secretsFor(node(inventory, "web-1")).revealCloudInit().orElseThrow())
                    .isEqualTo(Map.of("runcmd", List.of("echo value-1a2b3c")));
        }
    }

    @Test
    void answersAreReusedForTheTtlAndABootStormCostsOneRequest() throws Exception {
        vault.delay(Duration.ofMillis(300));
        Inventory inventory = inventory("{ttl: 1s}");
        ResolvedNode node = node(inventory, "web-1");
        ExecutorService storm = Executors.newFixedThreadPool(20);
        try (SecretSource source = source(inventory, tokenEnv())) {
            List<Callable<NodeSecrets>> lookups = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                lookups.add(() -> source.secretsFor(node));
            }
            for (Future<NodeSecrets> answer : storm.invokeAll(lookups)) {
                assertThat(answer.get().k3sToken().orElseThrow().reveal()).isEqualTo("K10-token");
            }
            source.secretsFor(node);
            assertThat(vault.requests("GET", "/v1/" + PATH)).hasSize(1);
            assertThat(reused).isEqualTo(20);
            Thread.sleep(1100);
            source.secretsFor(node);
            assertThat(vault.requests("GET", "/v1/" + PATH)).hasSize(2);
        } finally {
            storm.shutdownNow();
        }
    }

    @Test
    void failuresAreNotReused() throws Exception {
        vault.deleteSecret(PATH);
        Inventory inventory = inventory("{}");
        try (SecretSource source = source(inventory, tokenEnv())) {
            assertThat(failure(source, node(inventory, "web-1")).reason()).isEqualTo(Reason.MISSING);
            vault.secret(PATH, Map.of("k3s_token", "now-there"));
            assertThat(source.secretsFor(node(inventory, "web-1")).k3sToken().orElseThrow().reveal()).isEqualTo("now-there");
        }
        assertThat(reads).containsExactly(Optional.of(Reason.MISSING), Optional.empty());
    }

    @Test
    void tlsTrustsTheCaFileFromTheInventoryOrVaultCacert() throws Exception {
        vault.close();
        vault = FakeVault.startTls(dir).token(TOKEN).secret(PATH, Map.of("k3s_token", "over-tls"));
        Inventory withCa = inventory("{ca_file: vault-ca.pem}");
        try (SecretSource source = source(withCa, tokenEnv())) {
            assertThat(source.secretsFor(node(withCa, "web-1")).k3sToken().orElseThrow().reveal()).isEqualTo("over-tls");
        }
        Inventory withoutCa = inventory("{}");
        try (SecretSource source = source(withoutCa, tokenEnv())) {
            SecretUnavailableException e = failure(source, node(withoutCa, "web-1"));
            assertThat(e.reason()).isEqualTo(Reason.UNREACHABLE);
            assertThat(e.getMessage()).contains("SSLHandshakeException");
        }
        Map<String, String> env = new java.util.HashMap<>(tokenEnv());
        env.put("VAULT_CACERT", dir.resolve("vault-ca.pem").toString());
        try (SecretSource source = source(withoutCa, env)) {
            assertThat(source.secretsFor(node(withoutCa, "web-1")).k3sToken()).isPresent();
        }
    }

    @Test
    void theEnvironmentMustNameVaultAndCredentials() throws Exception {
        Inventory inventory = inventory("{}");
        Path file = inventory.file();
        assertThatThrownBy(() -> source(inventory, Map.of("VAULT_TOKEN", TOKEN)))
                .isInstanceOf(InvalidInputException.class)
                .hasMessage(file + ":8:3: site.secrets: source vault needs VAULT_ADDR (e.g. https://vault.example:8200) in the environment");
        assertThatThrownBy(() -> source(inventory, Map.of("VAULT_ADDR", "vault:8200", "VAULT_ROLE_ID", ROLE_ID)))
                .hasMessageContaining(":8:3: site.secrets: VAULT_ADDR 'vault:8200' is not an http(s) URL")
                .hasMessageContaining(":8:3: site.secrets: source vault needs VAULT_TOKEN, or VAULT_ROLE_ID and VAULT_SECRET_ID (AppRole), in the environment")
                .message().doesNotContain(ROLE_ID);
        assertThatThrownBy(() -> source(inventory, Map.of("VAULT_ADDR", vault.address(), "VAULT_TOKEN", TOKEN,
                "VAULT_CACERT", dir.resolve("missing.pem").toString())))
                .hasMessageContaining("site.secrets: Vault CA file " + dir.resolve("missing.pem") + ": no such file");
    }

    /**
     * A proxy or captive portal in front of Vault may answer anything, and these messages reach
     * /healthz and the API: what it answered is described, never quoted, for a read and for a login.
     */
    @Test
    void answersThatAreNotVaultsAreDescribedNotQuoted() throws Exception {
        String page = "<html>CANARY-proxy-page</html>";
        Inventory inventory = inventory("{ttl: 0s}");
        String where = "node web-1: Vault secret " + PATH + " at " + vault.address() + ": ";
        Map<List<Object>, String> expected = Map.of(
                List.of(200, "text/html"), "an answer that is not Vault's JSON (HTTP 200)",
                List.of(502, "text/html"), "(HTTP 502)",
                List.of(200, "application/json"), "an answer that is not Vault's JSON");
        try (LogCapture logs = new LogCapture()) {
            for (var answer : expected.entrySet()) {
                vault.proxyAnswers((Integer) answer.getKey().get(0), (String) answer.getKey().get(1), page);
                try (SecretSource source = source(inventory, tokenEnv())) {
                    SecretUnavailableException read = failure(source, node(inventory, "web-1"));
                    assertThat(read.reason()).isEqualTo(Reason.ERROR);
                    assertThat(read.getMessage()).as(answer.getKey().toString()).isEqualTo(where + answer.getValue());
                }
                try (SecretSource source = source(inventory, appRoleEnv())) {
                    SecretUnavailableException login = failure(source, node(inventory, "web-1"));
                    assertThat(login.reason()).isEqualTo(Reason.LOGIN);
                    assertThat(login.getMessage()).as(answer.getKey().toString())
                            .isEqualTo(where + "AppRole login failed: " + answer.getValue());
                }
            }
            assertThat(logs.text()).doesNotContain("CANARY");
        }
    }

    /** spring-vault's own log lines would quote the page; the source logs these failures itself. */
    @Test
    void renewalAndRevocationFailuresAreLoggedWithoutWhatCameBack() throws Exception {
        Inventory inventory = inventory("{ttl: 0s}");
        String page = "<html>CANARY-proxy-page</html>";
        try (LogCapture logs = new LogCapture()) {
            try (SecretSource source = source(inventory, appRoleEnv())) {
                source.secretsFor(node(inventory, "web-1"));
                vault.proxyAnswers(502, "text/html", page);
            }
            assertThat(logs.text()).contains("Vault token revocation failed: (HTTP 502)");

            try (FakeVault shortLeases = FakeVault.start().appRole(ROLE_ID, SECRET_ID).leases(6, 3600).secret(PATH, Map.of());
                    SecretSource source = source(inventory, Map.of("VAULT_ADDR", shortLeases.address(),
                            "VAULT_ROLE_ID", ROLE_ID, "VAULT_SECRET_ID", SECRET_ID))) {
                source.secretsFor(node(inventory, "web-1"));
                shortLeases.proxyAnswers(200, "text/html", page);
                await(() -> logs.text().contains("Vault token renewal failed"));
            }
            assertThat(logs.text()).contains("Vault token renewal failed: an answer that is not Vault's JSON (HTTP 200); "
                    + "the next read logs in again").doesNotContain("CANARY");
        }
    }

    @Test
    void nothingAboutTheCredentialsIsLogged() throws Exception {
        Inventory inventory = inventory("{ttl: 0s}");
        try (LogCapture logs = new LogCapture()) {
            try (SecretSource source = source(inventory, appRoleEnv())) {
                source.secretsFor(node(inventory, "web-1"));
                failure(source, node(inventory, "n2"));
            }
            try (SecretSource source = source(inventory, tokenEnv())) {
                vault.close();
                failure(source, node(inventory, "web-1"));
            }
            assertThat(logs.text()).doesNotContain(TOKEN, ROLE_ID, SECRET_ID, "hvs.approle-1", "K10-token");
            assertThat(LeakGuard.mask("tokens " + TOKEN + " hvs.approle-1 " + SECRET_ID))
                    .isEqualTo("tokens <redacted> <redacted> <redacted>");
        }
    }

    private static void await(java.util.function.BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("condition not met within 10 s");
            }
            Thread.sleep(50);
        }
    }
}
