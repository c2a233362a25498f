package dev.metis.fuzz;

import dev.metis.inventory.InvalidInputException;
import dev.metis.inventory.InventoryLoader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Any inventory file: it loads, or the loader reports problems as {@link InvalidInputException} (file,
 * line, field). Anything else escaping (a NullPointerException, a YAML library error, a stack overflow on
 * deep nesting) is a crash. Seeded with the example inventory, so mutations stay close to real edits.
 */
public final class InventoryFuzzer {

    private static final Path FILE;

    static {
        try {
            Path dir = Files.createTempDirectory("metis-fuzz-inventory");
            FILE = dir.resolve("inventory.yaml");
            Files.copy(Path.of("deploy/example/secrets.yaml"), dir.resolve("secrets.yaml"));
            dir.toFile().deleteOnExit();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private InventoryFuzzer() {
    }

    public static void fuzzerTestOneInput(byte[] yaml) throws IOException {
        Files.write(FILE, yaml);
        try {
            InventoryLoader.load(FILE);
        } catch (InvalidInputException expected) {
            if (expected.problems().isEmpty()) {
                throw new IllegalStateException("an invalid inventory must name at least one problem");
            }
        }
    }
}
