package dev.metis.card;

import dev.metis.boot.InstallImages;
import dev.metis.card.image.CardException;
import dev.metis.card.image.ChunkBuffers;
import dev.metis.card.image.GoldenImages;
import dev.metis.card.image.Progress;
import dev.metis.files.Sha256;
import dev.metis.identity.Artifact;
import dev.metis.identity.NodeIdentity;
import dev.metis.inventory.ResolvedNode;
import dev.metis.secrets.SecretUnavailableException;
import dev.metis.served.ServedInventory;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The images {@code metis serve} hands to recovery environments: each installing node's golden image with
 * its seed, made by {@link CardMaker#image} exactly as {@code metis image} makes it, kept in a directory of
 * the server's state until the node's seed or golden image changes, with the chunk hashes its plan lists.
 * Made one at a time on a thread of their own: each reads and writes a whole image.
 */
public final class NodeImages implements InstallImages, AutoCloseable {

    /** A failed making is tried again after this, for a golden image that was being copied into place, say. */
    static final Duration RETRY_FAILED_AFTER = Duration.ofMinutes(1);
    private static final String SUFFIX = ".img";

    private final Path dir;
    private final GoldenImages golden;
    private final Clock clock;
    private final ExecutorService maker;
    private final Map<String, Making> byNode = new ConcurrentHashMap<>();

    /** What an image is made from: a change to either makes it again. */
    private record Key(String seedSha256, String imageSha256) {
    }

    /** @param identity what the key's seed hash was taken of: the served generation hands out the same one until it changes */
    private record Making(Key key, NodeIdentity identity, Future<Rendered> image, Instant started) {
    }

    /**
     * @param dir where the images are kept; images left by an earlier run are removed (which seed they carry
     *            is not known any more)
     */
    public NodeImages(Path dir, GoldenImages golden, Clock clock) throws IOException {
        this.dir = dir;
        this.golden = golden;
        this.clock = clock;
        if (Files.isDirectory(dir)) {
            try (DirectoryStream<Path> earlier = Files.newDirectoryStream(dir)) {
                for (Path file : earlier) {
                    Files.deleteIfExists(file);
                }
            }
        }
        this.maker = Executors.newSingleThreadExecutor(r -> {
            Thread thread = new Thread(r, "metis-node-images");
            thread.setDaemon(true);
            return thread;
        });
    }

    @Override
    public Optional<Rendered> rendered(ServedInventory.Generation generation, ResolvedNode node) throws Unavailable {
        NodeIdentity identity;
        try {
            identity = generation.identity(node);
        } catch (SecretUnavailableException e) {
            throw new Unavailable("node " + node.name() + ": its image cannot be made without its secrets: " + e.getMessage());
        }
        String imageSha256 = node.spec().image().sha256();
        Making earlier = byNode.get(node.name());
        // Every range of an install asks: the seed is hashed again only when the identity is another one.
        Key key = earlier != null && earlier.identity() == identity && earlier.key().imageSha256().equals(imageSha256)
                ? earlier.key() : new Key(seedSha256(identity), imageSha256);
        Making making = byNode.compute(node.name(), (name, known) -> known != null && known.key().equals(key)
                && !failedLongAgo(known) ? known
                : new Making(key, identity, maker.submit(() -> make(generation, node, identity, key)), clock.instant()));
        if (!making.image().isDone()) {
            return Optional.empty();
        }
        try {
            return Optional.of(making.image().get());
        } catch (ExecutionException e) {
            throw new Unavailable("node " + node.name() + ": its image cannot be made: " + e.getCause().getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }

    private boolean failedLongAgo(Making making) {
        if (!making.image().isDone()) {
            return false;
        }
        try {
            making.image().get();
            return false;
        } catch (ExecutionException | InterruptedException e) {
            return !clock.instant().isBefore(making.started().plus(RETRY_FAILED_AFTER));
        }
    }

    private Rendered make(ServedInventory.Generation generation, ResolvedNode node, NodeIdentity identity, Key key)
            throws CardException, IOException {
        String prefix = node.spec().mac().toString().replace(':', '-') + "-";
        // Made when first needed: a server whose nodes install nothing leaves no trace of it in its state.
        Files.createDirectories(dir);
        Path file = dir.resolve(prefix + key.seedSha256().substring(0, 16) + SUFFIX);
        new CardMaker(generation.inventory(), n -> identity, golden, dir, Progress.silent()).image(node, file);
        try (DirectoryStream<Path> older = Files.newDirectoryStream(dir, prefix + "*" + SUFFIX)) {
            for (Path earlier : older) {
                if (!earlier.equals(file)) {
                    Files.deleteIfExists(earlier);
                }
            }
        }
        return chunks(file);
    }

    /** Reads the made image back in the plan's chunks: a hash each, or null for zeros. */
    static Rendered chunks(Path file) throws IOException {
        List<String> chunks = new ArrayList<>();
        MessageDigest sha256 = sha256();
        ByteBuffer buffer = ByteBuffer.allocateDirect(ChunkBuffers.CHUNK);
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = channel.size();
            for (long at = 0; at < size; at += ChunkBuffers.CHUNK) {
                buffer.clear().limit((int) Math.min(ChunkBuffers.CHUNK, size - at));
                while (buffer.hasRemaining()) {
                    if (channel.read(buffer, at + buffer.position()) < 0) {
                        throw new IOException(file + " ends early, at " + (at + buffer.position()));
                    }
                }
                buffer.flip();
                if (ChunkBuffers.isZero(buffer)) {
                    chunks.add(null);
                } else {
                    sha256.update(buffer);
                    chunks.add(HexFormat.of().formatHex(sha256.digest()));
                }
            }
            return new Rendered(file, size, ChunkBuffers.CHUNK, chunks);
        }
    }

    /** Of every seed file: what decides the seed bytes the image carries, secrets included (kept in memory only). */
    private static String seedSha256(NodeIdentity identity) {
        MessageDigest sha256 = sha256();
        for (Artifact artifact : Artifact.values()) {
            if (artifact.isSeedFile()) {
                byte[] bytes = identity.bytes(artifact);
                sha256.update(Sha256.hex(bytes).getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            }
        }
        return HexFormat.of().formatHex(sha256.digest());
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }

    @Override
    public void close() {
        maker.shutdownNow();
    }
}
