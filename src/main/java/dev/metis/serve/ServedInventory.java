package dev.metis.serve;

import dev.metis.files.Sha256;
import dev.metis.identity.IdentityRenderer;
import dev.metis.identity.NodeIdentity;
import dev.metis.inventory.InvalidInputException;
import dev.metis.inventory.Inventory;
import dev.metis.inventory.InventoryLoader;
import dev.metis.inventory.ResolvedNode;
import dev.metis.metrics.MetisMetrics;
import dev.metis.secrets.SecretSource;
import dev.metis.secrets.SecretSources;
import dev.metis.secrets.SecretUnavailableException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The inventory a running server answers from, with its secrets and rendered identities. A reload
 * replaces it only when the new files are valid; otherwise the last good one keeps serving.
 */
public final class ServedInventory {

    private static final Logger LOG = LoggerFactory.getLogger(ServedInventory.class);

    /** One consistent generation: inventory, secrets, renderer and the identities rendered from them. */
    public static final class Generation {
        private final long number;
        private final Inventory inventory;
        private final SecretSource secrets;
        private final IdentityRenderer renderer;
        private final Map<String, NodeIdentity> identities = new ConcurrentHashMap<>();

        Generation(long number, Inventory inventory, SecretSource secrets) {
            this.number = number;
            this.inventory = inventory;
            this.secrets = secrets;
            this.renderer = new IdentityRenderer(inventory.site());
        }

        public long number() {
            return number;
        }

        public Inventory inventory() {
            return inventory;
        }

        /** The node's identity, rendered once per generation. */
        public NodeIdentity identity(ResolvedNode node) throws SecretUnavailableException {
            NodeIdentity cached = identities.get(node.name());
            if (cached != null) {
                return cached;
            }
            NodeIdentity rendered = renderer.render(node, secrets.secretsFor(node));
            identities.put(node.name(), rendered);
            return rendered;
        }
    }

    private final Path file;
    private final MetisMetrics metrics;
    private volatile Generation current;
    private byte[] fingerprint;

    private ServedInventory(Path file, MetisMetrics metrics) {
        this.file = file;
        this.metrics = metrics;
    }

    public static ServedInventory load(Path file, MetisMetrics metrics) throws InvalidInputException {
        ServedInventory served = new ServedInventory(file, metrics);
        served.current = served.build(1);
        served.fingerprint = served.fingerprint();
        return served;
    }

    public Generation current() {
        return current;
    }

    /**
     * Loads the files again if they changed. An invalid edit is logged with every problem and
     * counted, and the previous generation keeps serving.
     */
    public synchronized boolean reloadIfChanged() {
        byte[] print = fingerprint();
        if (Arrays.equals(print, fingerprint)) {
            return false;
        }
        fingerprint = print;
        try {
            Generation next = build(current.number() + 1);
            boolean secretsMoved = !java.util.Objects.equals(secretsFile(next), secretsFile(current));
            current = next;
            if (secretsMoved) {
                fingerprint = fingerprint();
            }
            metrics.inventoryReload(true);
            LOG.info("inventory reloaded from {}: {} nodes (generation {})", file, next.inventory().nodes().size(),
                    next.number());
            return true;
        } catch (InvalidInputException e) {
            metrics.inventoryReload(false);
            LOG.error("inventory edit rejected, still serving generation {}; {} problem(s):\n{}", current.number(),
                    e.problems().size(), e.getMessage());
            return false;
        } catch (RuntimeException e) {
            metrics.inventoryReload(false);
            LOG.error("inventory edit rejected, still serving generation {}: {}", current.number(), e.getMessage());
            return false;
        }
    }

    private Generation build(long number) throws InvalidInputException {
        Inventory inventory = InventoryLoader.load(file);
        return new Generation(number, inventory, SecretSources.forInventory(inventory));
    }

    /**
     * A digest of the inventory and the current secrets file, read before a reload so that an edit made
     * while loading is seen by the next poll. Content, not timestamps: editors that replace files and
     * Kubernetes ConfigMap symlink swaps are seen too.
     */
    private byte[] fingerprint() {
        MessageDigest digest = Sha256.newDigest();
        digest.update(readOrEmpty(file));
        Path secrets = secretsFile(current);
        if (secrets != null) {
            digest.update(readOrEmpty(secrets));
        }
        return digest.digest();
    }

    private static Path secretsFile(Generation generation) {
        var settings = generation.inventory().site().secrets();
        return settings == null ? null : generation.inventory().resolve(settings.file());
    }

    private static byte[] readOrEmpty(Path path) {
        try {
            return Files.readAllBytes(path);
        } catch (IOException e) {
            return new byte[0];
        }
    }
}
