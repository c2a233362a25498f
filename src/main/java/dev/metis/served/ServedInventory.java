package dev.metis.served;

import dev.metis.files.Sha256;
import dev.metis.identity.Artifact;
import dev.metis.identity.IdentityRenderer;
import dev.metis.identity.NodeIdentity;
import dev.metis.identity.PhoneHomeKeys;
import dev.metis.inventory.InvalidInputException;
import dev.metis.inventory.Inventory;
import dev.metis.inventory.InventoryLoader;
import dev.metis.inventory.ResolvedNode;
import dev.metis.inventory.YamlReader;
import dev.metis.inventory.Site;
import dev.metis.metrics.MetisMetrics;
import dev.metis.secrets.NodeSecrets;
import dev.metis.secrets.SecretSource;
import dev.metis.secrets.SecretSources;
import dev.metis.secrets.SecretUnavailableException;
import dev.metis.secrets.VaultSecretSource;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The inventory a running server answers from, with its secrets and rendered identities. A reload
 * replaces it only when the new files are valid; otherwise the last good one keeps serving.
 */
public final class ServedInventory implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ServedInventory.class);

    /** One consistent generation: inventory, secrets, renderer and the identities rendered from them. */
    public static final class Generation {
        private final long number;
        private final Inventory inventory;
        private final SecretSource secrets;
        private final SecretHealth health;
        private final IdentityRenderer renderer;
        private final Map<String, NodeIdentity> shared = new ConcurrentHashMap<>();
        private final Map<String, Rendered> identities = new ConcurrentHashMap<>();

        /** A node's identity and the secrets it was rendered with. */
        private record Rendered(NodeSecrets secrets, NodeIdentity identity) {
        }

        Generation(long number, Inventory inventory, SecretSource secrets, SecretHealth health, PhoneHomeKeys keys) {
            this.number = number;
            this.inventory = inventory;
            this.secrets = secrets;
            this.health = health;
            this.renderer = new IdentityRenderer(inventory.site(), keys);
        }

        public long number() {
            return number;
        }

        public Inventory inventory() {
            return inventory;
        }

        /**
         * The node's whole identity, with its secrets. The secrets are asked for every time (the source
         * caches them for its own TTL, so a rotation is seen); the files are rendered again only when
         * the secrets changed.
         */
        public NodeIdentity identity(ResolvedNode node) throws SecretUnavailableException {
            NodeSecrets current = lookUpSecrets(node);
            Rendered cached = identities.get(node.name());
            if (cached != null && cached.secrets().equals(current)) {
                return cached.identity();
            }
            NodeIdentity rendered = renderer.render(node, current);
            identities.put(node.name(), new Rendered(current, rendered));
            return rendered;
        }

        /** The node's secrets with every value replaced by {@code <redacted>}: which ones it has, for people. */
        public NodeSecrets redactedSecrets(ResolvedNode node) throws SecretUnavailableException {
            return lookUpSecrets(node).redacted();
        }

        /** Asks the secret source, and keeps the node's secret health (for /healthz) up to date. */
        private NodeSecrets lookUpSecrets(ResolvedNode node) throws SecretUnavailableException {
            NodeSecrets current;
            try {
                current = secrets.secretsFor(node);
            } catch (SecretUnavailableException e) {
                if (health.failed(node.name(), e)) {
                    LOG.warn("{}; its secret-bearing files are answered with 503", e.getMessage());
                }
                throw e;
            }
            if (health.succeeded(node.name())) {
                LOG.info("node {}: secrets available again", node.name());
            }
            return current;
        }

        /** The node's files that carry no secret, its config hash and instance-id; never asks the secret source. */
        public NodeIdentity publicIdentity(ResolvedNode node) {
            return shared.computeIfAbsent(node.name(), n -> renderer.renderPublic(node));
        }

        /** The node's iPXE script or Pi cmdline.txt for one boot: its seed URL carries {@code seedToken}. */
        public byte[] bootFile(ResolvedNode node, Artifact artifact, String seedToken) {
            return renderer.bootFile(node, artifact, publicIdentity(node).configHash(), seedToken);
        }

        /** Why the node's secrets failed at its last lookup, unless that has passed. */
        public Optional<String> secretsFailure(ResolvedNode node) {
            return health.failure(node.name());
        }

        /** Nodes whose secrets failed at their last lookup, with the reason. */
        public Map<String, String> failingSecrets() {
            return health.failing(inventory.nodes().stream().map(ResolvedNode::name).collect(Collectors.toSet()));
        }
    }

    private final Path file;
    private final MetisMetrics metrics;
    private final Map<String, String> env;
    private final PhoneHomeKeys keys;
    private final SecretHealth health = new SecretHealth();
    private volatile Generation current;
    private byte[] fingerprint;

    private ServedInventory(Path file, MetisMetrics metrics, Map<String, String> env, PhoneHomeKeys keys) {
        this.file = file;
        this.metrics = metrics;
        this.env = Map.copyOf(env);
        this.keys = keys;
    }

    /**
     * @param env  the environment Vault's address and credentials come from
     * @param keys the nodes' phone-home keys, which their user-data carries
     */
    public static ServedInventory load(Path file, MetisMetrics metrics, Map<String, String> env, PhoneHomeKeys keys)
            throws InvalidInputException {
        ServedInventory served = new ServedInventory(file, metrics, env, keys);
        served.current = served.build(1);
        served.fingerprint = served.fingerprint();
        return served;
    }

    public Generation current() {
        return current;
    }

    /**
     * Loads the files again if they changed. An invalid edit is logged with every problem and
     * counted, and the previous generation keeps serving. Nothing is thrown: this runs as a scheduled
     * task, which anything thrown would cancel for good, leaving later edits unseen.
     */
    public synchronized boolean reloadIfChanged() {
        try {
            byte[] print = fingerprint();
            if (Arrays.equals(print, fingerprint)) {
                return false;
            }
            fingerprint = print;
            return reload();
        } catch (InvalidInputException e) {
            metrics.inventoryReload(false);
            LOG.error("inventory edit rejected, still serving generation {}; {} problem(s):\n{}", current.number(),
                    e.problems().size(), e.getMessage());
        } catch (Throwable e) {
            // A bug, not a bad edit, but the last good generation serves on all the same. The message is left
            // out: one from a library reading the secrets file may quote a value LeakGuard does not know yet.
            metrics.inventoryReload(false);
            LOG.error("inventory edit rejected, still serving generation {}: unexpected {} at {}", current.number(),
                    e.getClass().getName(), e.getStackTrace().length > 0 ? e.getStackTrace()[0] : "?");
        }
        return false;
    }

    private boolean reload() throws InvalidInputException {
        Generation previous = current;
        Generation next = build(previous.number() + 1);
        boolean secretsMoved = !Objects.equals(secretsFile(next), secretsFile(previous));
        current = next;
        if (next.secrets != previous.secrets) {
            previous.secrets.close();
        }
        if (secretsMoved) {
            fingerprint = fingerprint();
        }
        metrics.inventoryReload(true);
        LOG.info("inventory reloaded from {}: {} nodes (generation {})", file, next.inventory().nodes().size(),
                next.number());
        return true;
    }

    private Generation build(long number) throws InvalidInputException {
        Inventory inventory = InventoryLoader.load(file);
        return new Generation(number, inventory, secretSource(inventory), health, keys);
    }

    /**
     * The previous generation's Vault source while the Vault settings are unchanged, so a reload keeps
     * its login and cache; a secrets file is read again, since its edit may be why we reload.
     */
    private SecretSource secretSource(Inventory inventory) throws InvalidInputException {
        Generation previous = current;
        Site.Secrets settings = inventory.site().secrets();
        if (previous != null && settings != null && settings.sourceOrDefault() == Site.SecretSourceKind.VAULT
                && settings.equals(previous.inventory().site().secrets())) {
            return previous.secrets;
        }
        return SecretSources.forInventory(inventory, env, new VaultSecretSource.Observer() {
            @Override
            public void read(Optional<SecretUnavailableException.Reason> failure) {
                metrics.vaultRead(failure.map(SecretUnavailableException.Reason::label));
                health.read(failure.isEmpty());
            }

            @Override
            public void reused() {
                metrics.vaultReused();
            }
        });
    }

    /**
     * A digest of the inventory and the current secrets file, read before a reload so that an edit made
     * while loading is seen by the next poll. Content, not timestamps: editors that replace files and
     * Kubernetes ConfigMap symlink swaps are seen too.
     */
    private byte[] fingerprint() {
        MessageDigest digest = Sha256.newDigest();
        digestOf(file, digest);
        Path secrets = secretsFile(current);
        if (secrets != null) {
            digestOf(secrets, digest);
        }
        return digest.digest();
    }

    private static Path secretsFile(Generation generation) {
        var settings = generation.inventory().site().secrets();
        return settings == null || settings.file() == null ? null : generation.inventory().resolve(settings.file());
    }

    /**
     * The file's size and at most its first bytes a YAML document may have: enough to see every edit that
     * could load, without reading a file too big for the heap (it is refused unread, and stays refused
     * until its size changes). A file that cannot be read counts as empty.
     */
    private static void digestOf(Path path, MessageDigest digest) {
        try (InputStream in = Files.newInputStream(path)) {
            byte[] head = in.readNBytes(YamlReader.MAX_BYTES + 1);
            digest.update(head);
            digest.update(Long.toString(Files.size(path)).getBytes(StandardCharsets.US_ASCII));
        } catch (IOException unreadable) {
            // as an empty file: the reload that follows says why it cannot be read
        }
    }

    /** Closes the secret source: Vault's renewal thread stops and a token Metis logged in for is revoked. */
    @Override
    public void close() {
        current.secrets.close();
    }
}
