package dev.metis.fuzz;

import dev.metis.inventory.Inventory;
import dev.metis.inventory.InventoryLoader;
import java.nio.file.Path;

/** What the fuzz targets share: the repository's example inventory, loaded once per fuzzing process. */
final class Fixtures {

    private Fixtures() {
    }

    static Inventory exampleInventory() {
        try {
            return InventoryLoader.load(Path.of("deploy/example/inventory.yaml"));
        } catch (Exception e) {
            throw new IllegalStateException("the example inventory must load: " + e.getMessage(), e);
        }
    }
}
