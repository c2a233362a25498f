package dev.metis.secrets;

import static org.assertj.core.api.Assertions.assertThat;

import dev.metis.inventory.Inventory;
import dev.metis.inventory.InventoryLoader;
import dev.metis.secrets.SecretUnavailableException.Reason;
import dev.metis.testing.InventoryFixture;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.testcontainers.images.builder.Transferable;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;
import org.testcontainers.vault.VaultContainer;

/**
 * The Vault source against the real Vault (dev server in Docker): token and AppRole logins, a KV v2
 * read, a path the policy forbids and a missing secret. Skipped where there is no Docker engine.
 */
@Testcontainers(disabledWithoutDocker = true)
class VaultContainerIT {

    private static final String ROOT_TOKEN = "metis-it-root";

    @Container
    static final VaultContainer<?> VAULT = new VaultContainer<>("hashicorp/vault:1.18")
            .withVaultToken(ROOT_TOKEN)
            .withCopyToContainer(Transferable.of("path \"secret/data/nodes/*\" { capabilities = [\"read\"] }\n"),
                    "/tmp/metis.hcl")
            .withInitCommand(
                    "kv put secret/nodes/web-1 k3s_token=K10-from-real-vault",
                    "auth enable approle",
                    "policy write metis /tmp/metis.hcl",
                    "write auth/approle/role/metis token_policies=metis token_ttl=1h",
                    "kv put secret/other/web-1 k3s_token=not-for-metis");

    @TempDir
    Path dir;

    private Inventory inventory(String vaultSettings) throws Exception {
        return InventoryLoader.load(InventoryFixture.write(dir, "inventory.yaml",
                InventoryFixture.vaultSite(vaultSettings) + InventoryFixture.TWO_NODES));
    }

    private static String vault(String... command) throws Exception {
        var result = VAULT.execInContainer(command);
        assertThat(result.getExitCode()).as(result.getStderr()).isZero();
        return result.getStdout().trim();
    }

    @Test
    void aRootTokenReadsTheSecret() throws Exception {
        Inventory inventory = inventory("{}");
        try (SecretSource source = SecretSources.forInventory(inventory,
                Map.of("VAULT_ADDR", VAULT.getHttpHostAddress(), "VAULT_TOKEN", ROOT_TOKEN), VaultSecretSource.Observer.NONE)) {
            assertThat(source.secretsFor(inventory.node("web-1").orElseThrow()).k3sToken().orElseThrow().reveal())
                    .isEqualTo("K10-from-real-vault");
        }
    }

    @Test
    void anAppRoleReadsWhatItsPolicyAllowsAndNothingElse() throws Exception {
        String roleId = vault("vault", "read", "-field=role_id", "auth/approle/role/metis/role-id");
        String secretId = vault("vault", "write", "-f", "-field=secret_id", "auth/approle/role/metis/secret-id");
        Map<String, String> env = Map.of("VAULT_ADDR", VAULT.getHttpHostAddress(), "VAULT_ROLE_ID", roleId,
                "VAULT_SECRET_ID", secretId);
        Inventory nodes = inventory("{}");
        try (SecretSource source = SecretSources.forInventory(nodes, env, VaultSecretSource.Observer.NONE)) {
            assertThat(source.secretsFor(nodes.node("web-1").orElseThrow()).k3sToken().orElseThrow().reveal())
                    .isEqualTo("K10-from-real-vault");
            SecretUnavailableException missing = unavailable(source, nodes, "n2");
            assertThat(missing.reason()).isEqualTo(Reason.MISSING);
            assertThat(missing.getMessage()).contains("secret/data/nodes/host-two").doesNotContain(secretId, roleId);
        }
        Inventory other = inventory("{path: \"other/{{name}}\"}");
        try (SecretSource source = SecretSources.forInventory(other, env, VaultSecretSource.Observer.NONE)) {
            SecretUnavailableException forbidden = unavailable(source, other, "web-1");
            assertThat(forbidden.reason()).isEqualTo(Reason.FORBIDDEN);
            assertThat(forbidden.getMessage()).contains("secret/data/other/web-1", "permission denied")
                    .doesNotContain(secretId, roleId);
        }
    }

    private static SecretUnavailableException unavailable(SecretSource source, Inventory inventory, String node) {
        try {
            source.secretsFor(inventory.node(node).orElseThrow());
            throw new AssertionError("expected no secrets for " + node);
        } catch (SecretUnavailableException e) {
            return e;
        }
    }
}
