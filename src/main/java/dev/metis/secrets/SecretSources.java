package dev.metis.secrets;

import dev.metis.inventory.InvalidInputException;
import dev.metis.inventory.Inventory;
import dev.metis.inventory.Site;

/** Builds the secret source an inventory's site asks for. */
public final class SecretSources {

    private SecretSources() {
    }

    public static SecretSource forInventory(Inventory inventory) throws InvalidInputException {
        Site.Secrets settings = inventory.site().secrets();
        if (settings == null) {
            return SecretSource.NONE;
        }
        return switch (settings.source() == null ? Site.SecretSourceKind.FILE : settings.source()) {
            case FILE -> FileSecretSource.load(inventory.resolve(settings.file()));
        };
    }
}
