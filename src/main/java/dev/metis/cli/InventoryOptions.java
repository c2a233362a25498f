package dev.metis.cli;

import dev.metis.inventory.InvalidInputException;
import dev.metis.inventory.Inventory;
import dev.metis.inventory.InventoryLoader;
import dev.metis.inventory.ResolvedNode;
import dev.metis.inventory.SchemaCheck;
import dev.metis.net.MacAddress;
import dev.metis.secrets.SecretSource;
import dev.metis.secrets.SecretSources;
import dev.metis.secrets.VaultSecretSource;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** The {@code --inventory} option every command shares, with METIS_INVENTORY as its fallback. */
public final class InventoryOptions {

    @Spec(Spec.Target.MIXEE)
    CommandSpec spec;

    @Option(names = "--inventory", paramLabel = "FILE", defaultValue = "${env:METIS_INVENTORY}",
            description = "Inventory YAML file (default: $METIS_INVENTORY).")
    Path inventory;

    public Path file() {
        if (inventory == null) {
            throw new ParameterException(spec.commandLine(), "no inventory: give --inventory FILE or set METIS_INVENTORY");
        }
        return inventory;
    }

    public Inventory load() throws InvalidInputException {
        return InventoryLoader.load(file());
    }

    /** The environment the command line was started with: Vault's address and credentials come from it. */
    public Map<String, String> environment() {
        return ((Main) spec.commandLine().getCommandSpec().root().userObject()).environment();
    }

    /** The inventory's secret source; the caller closes it. */
    public SecretSource secrets(Inventory inventory) throws InvalidInputException {
        return SecretSources.forInventory(inventory, environment(), VaultSecretSource.Observer.NONE);
    }

    /** A node by name, or by MAC address in any common spelling. */
    public static ResolvedNode node(Inventory inventory, String nameOrMac) throws InvalidInputException {
        try {
            var byMac = inventory.nodeByMac(MacAddress.parse(nameOrMac));
            if (byMac.isPresent()) {
                return byMac.get();
            }
        } catch (IllegalArgumentException notAMac) {
            // fall through to the name
        }
        return inventory.node(nameOrMac).orElseThrow(() -> new InvalidInputException(List.of(
                new dev.metis.inventory.Problem(new dev.metis.inventory.SourcePos(inventory.file(), 1, 1),
                        "no node '" + nameOrMac + "' in the inventory" + SchemaCheck.suggestion(nameOrMac,
                                inventory.nodes().stream().map(ResolvedNode::name).toList())))));
    }
}
