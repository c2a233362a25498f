package dev.metis.secrets;

import dev.metis.inventory.InvalidInputException;
import dev.metis.inventory.Inventory;
import dev.metis.inventory.Site;
import java.util.Map;

/** Builds the secret source an inventory's site asks for. */
public final class SecretSources {

    private SecretSources() {
    }

    /** For commands: Vault's address and credentials from this process's environment, no metrics. */
    public static SecretSource forInventory(Inventory inventory) throws InvalidInputException {
        return forInventory(inventory, System.getenv(), VaultSecretSource.Observer.NONE);
    }

    /**
     * Throws what {@link #forInventory} would for the inventory's secret settings, opening no source: the
     * secrets file is read but not kept (nor warned about), no Vault client is made.
     */
    public static void check(Inventory inventory, Map<String, String> env) throws InvalidInputException {
        Site.Secrets settings = inventory.site().secrets();
        if (settings == null) {
            return;
        }
        switch (settings.sourceOrDefault()) {
            case FILE -> SecretsFile.read(inventory.resolve(settings.file()));
            case VAULT -> VaultSettings.from(inventory, env);
        }
    }

    /**
     * @param env      where Vault's address and credentials come from ({@code VAULT_ADDR}, {@code VAULT_TOKEN}
     *                 or {@code VAULT_ROLE_ID} and {@code VAULT_SECRET_ID}, {@code VAULT_CACERT})
     * @param observer told about Vault requests, for metrics
     * @throws InvalidInputException when the secrets file is invalid or the environment lacks Vault settings
     */
    public static SecretSource forInventory(Inventory inventory, Map<String, String> env,
            VaultSecretSource.Observer observer) throws InvalidInputException {
        Site.Secrets settings = inventory.site().secrets();
        if (settings == null) {
            return SecretSource.NONE;
        }
        return switch (settings.sourceOrDefault()) {
            case FILE -> FileSecretSource.load(inventory.resolve(settings.file()));
            case VAULT -> new VaultSecretSource(VaultSettings.from(inventory, env), observer);
        };
    }
}
