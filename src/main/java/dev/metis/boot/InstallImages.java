package dev.metis.boot;

import dev.metis.inventory.ResolvedNode;
import dev.metis.served.ServedInventory;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * A node's image with its seed in it, as its recovery environment downloads it: byte for byte what
 * {@code metis image} writes for the node. Made by the card layer, which owns image writing.
 */
public interface InstallImages {

    /**
     * The node's image rendered from {@code generation}; empty while it is being made (the making starts
     * if it is not under way already).
     *
     * @throws Unavailable when it cannot be made (no golden image, a wrong hash, no room for the seed...)
     */
    Optional<Rendered> rendered(ServedInventory.Generation generation, ResolvedNode node) throws Unavailable;

    /**
     * @param chunks each chunk's SHA-256 in lower-case hex, or null for a chunk of zeros, in order;
     *               {@code chunkSize} bytes each but the last
     */
    record Rendered(Path file, long size, int chunkSize, List<String> chunks) {
        public Rendered {
            chunks = java.util.Collections.unmodifiableList(new java.util.ArrayList<>(chunks));
        }
    }

    /** Why a node's image cannot be made; the message names the node and is safe to show (no secret). */
    final class Unavailable extends Exception {
        public Unavailable(String message) {
            super(message);
        }
    }
}
