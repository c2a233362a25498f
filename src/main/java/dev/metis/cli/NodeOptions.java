package dev.metis.cli;

import dev.metis.inventory.InvalidInputException;
import dev.metis.inventory.Inventory;
import dev.metis.inventory.ResolvedNode;
import dev.metis.secrets.NodeSecrets;
import dev.metis.secrets.SecretSource;
import dev.metis.secrets.SecretUnavailableException;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code --inventory}, {@code --node} and {@code --reveal-secrets}, for commands about one node. */
final class NodeOptions {

    @Mixin
    InventoryOptions inventory;

    @Option(names = "--node", required = true, paramLabel = "NAME", description = "Node name or MAC address.")
    String node;

    @Option(names = "--reveal-secrets", description = "Show secret values instead of <redacted>.")
    boolean revealSecrets;

    /** The node, and its secrets as they may be shown: redacted unless --reveal-secrets. */
    record Selected(Inventory inventory, ResolvedNode node, NodeSecrets shownSecrets) {
    }

    Selected select() throws InvalidInputException, SecretUnavailableException {
        Inventory loaded = inventory.load();
        ResolvedNode selected = InventoryOptions.node(loaded, node);
        try (SecretSource source = inventory.secrets(loaded)) {
            NodeSecrets secrets = source.secretsFor(selected);
            return new Selected(loaded, selected, revealSecrets ? secrets : secrets.redacted());
        }
    }
}
