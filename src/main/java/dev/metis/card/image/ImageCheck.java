package dev.metis.card.image;

import dev.metis.files.Sha256;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadFactory;

/**
 * Checks a golden image file against the SHA-256 the inventory gives, from its chunks in file order as
 * they are read, whether for writing (an uncompressed image is hashed from the very buffers the writer
 * writes, so it is read once) or by a pass of its own ({@link #readAll}).
 *
 * <p>With a trusted {@link ChunkManifest} every chunk is hashed on its own and compared, on all cores, and
 * a mismatch is known as soon as its chunk is hashed. Without one the whole file is hashed in order on one
 * thread, the chunks' hashes alongside, and a manifest is written once the whole file has matched.
 */
public final class ImageCheck implements AutoCloseable {

    private final GoldenImages.Source source;
    private final Path manifestFile;
    private final ChunkManifest manifest;
    private final ChunkManifest.Builder building;
    private final MessageDigest whole;
    private final ExecutorService inOrder;
    private final ExecutorService chunkHashers;
    private final List<Future<?>> pending = new ArrayList<>();
    private volatile CardException failure;
    /** The manifest of the file, once {@link #finish} found it matches. */
    private ChunkManifest verified;
    /** Bytes handed over so far: in file order (without a manifest), where the next chunk starts. */
    private long offered;

    private ImageCheck(GoldenImages.Source source, Path manifestFile, ChunkManifest manifest) {
        this.source = source;
        this.manifestFile = manifestFile;
        this.manifest = manifest;
        this.building = manifest == null ? new ChunkManifest.Builder(source.sha256()) : null;
        this.whole = manifest == null ? Sha256.newDigest() : null;
        this.inOrder = manifest == null ? Executors.newSingleThreadExecutor(daemon("image-hash")) : null;
        this.chunkHashers = Executors.newFixedThreadPool(Runtime.getRuntime().availableProcessors(), daemon("chunk-hash"));
        long size = source.file().toFile().length();
        if (manifest != null && size != manifest.size()) {
            // Known before the first byte is written.
            failure = differs("has " + size + " bytes, not the " + manifest.size() + " of");
        }
    }

    /** By the manifest kept in {@code cacheDir} for this image when there is a trusted one, else the whole file. */
    static ImageCheck start(GoldenImages.Source source, Path cacheDir) {
        Path file = ChunkManifest.file(cacheDir, source.sha256());
        return new ImageCheck(source, file, ChunkManifest.read(file, source.sha256()).orElse(null));
    }

    /** By the whole file's hash, whatever manifest there is: what tells a wrong image from a damaged one. */
    static ImageCheck wholeFile(GoldenImages.Source source, Path cacheDir) {
        return new ImageCheck(source, ChunkManifest.file(cacheDir, source.sha256()), null);
    }

    /**
     * The pass on record that decompressed this image whole, from the manifest of an earlier check; it
     * holds for this file once {@link #finish} has found the file is the one that manifest describes.
     */
    Optional<ChunkManifest.WholeStream> wholeStream() {
        return manifest == null ? Optional.empty() : manifest.wholeStream();
    }

    /**
     * Records, after {@link #finish}, that a pass decompressed the file whole, so that {@code metis plan} need
     * not do it again. Only speed is lost when the manifest cannot be written.
     */
    void recordWholeStream(ChunkManifest.WholeStream whole) {
        if (verified == null || verified.wholeStream().equals(Optional.of(whole))) {
            return;
        }
        try {
            verified.withWholeStream(whole).write(manifestFile);
        } catch (IOException | RuntimeException e) {
            // The next pass over the whole stream records it.
        }
    }

    /** Whether chunks are checked against a manifest (in parallel) rather than the whole file in order. */
    public boolean byChunks() {
        return manifest != null;
    }

    /**
     * Hands over a chunk of the file, {@value ChunkBuffers#CHUNK} bytes long but for the last, each chunk once:
     * in any order when checked by chunks, else the next in the file; the slot is held until it is hashed.
     */
    void offer(ChunkBuffers.Slot slot) {
        if (manifest == null ? slot.offset != offered : slot.offset % ChunkBuffers.CHUNK != 0) {
            throw new IllegalStateException("chunk at " + slot.offset + " offered out of turn");
        }
        int index = (int) (slot.offset / ChunkBuffers.CHUNK);
        offered += slot.length;
        if (manifest != null) {
            if (slot.offset + slot.length > manifest.size()) {
                fail(differs("is longer than the " + manifest.size() + " bytes of"));
                return;
            }
            slot.retain();
            pending.add(chunkHashers.submit(() -> {
                try {
                    String expected = manifest.chunk(index);
                    boolean matches = expected.equals(ChunkManifest.ZERO) ? ChunkBuffers.isZero(slot.data())
                            : expected.equals(sha256(slot.data()));
                    if (!matches) {
                        fail(differs("differs in its chunk at byte " + slot.offset + " from"));
                    }
                } finally {
                    slot.release();
                }
            }));
            return;
        }
        slot.retain();
        pending.add(inOrder.submit(() -> {
            try {
                whole.update(slot.data());
            } finally {
                slot.release();
            }
        }));
        slot.retain();
        pending.add(chunkHashers.submit(() -> {
            try {
                building.set(index, ChunkBuffers.isZero(slot.data()) ? ChunkManifest.ZERO : sha256(slot.data()));
            } finally {
                slot.release();
            }
        }));
    }

    /** Reads the whole file itself, a mapped chunk at a time, and hands each chunk over, advancing {@code step} if given. */
    public void readAll(Progress.Step step) throws CardException {
        ChunkBuffers buffers = new ChunkBuffers(2 * Runtime.getRuntime().availableProcessors() + 2, 1);
        try (FileChannel file = FileChannel.open(source.file(), StandardOpenOption.READ)) {
            while (failure == null) {
                ChunkBuffers.Slot slot = buffers.take(this::throwIfFailed);
                int length = slot.map(file, offered);
                if (length > 0) {
                    offer(slot);
                }
                slot.release();
                if (step != null) {
                    step.advance(length);
                }
                if (length < ChunkBuffers.CHUNK) {
                    return;
                }
            }
        } catch (IOException e) {
            throw new CardException("cannot read golden image " + source.file() + ": " + e.getMessage(), e);
        }
    }

    /** Throws the first mismatch found so far, if any: the writer stops as soon as it is known. */
    void throwIfFailed() throws CardException {
        if (failure != null) {
            throw failure;
        }
    }

    /**
     * Waits until every chunk handed over is hashed and compares. Once the whole file matched, its
     * manifest is written for the next use; when it cannot be, the next use hashes the whole file again.
     */
    public void finish() throws CardException {
        for (Future<?> task : pending) {
            try {
                task.get();
            } catch (ExecutionException e) {
                throw new CardException("checking golden image " + source.file() + " failed: " + e.getCause(), e.getCause());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new CardException("interrupted", e);
            }
        }
        throwIfFailed();
        if (manifest != null) {
            if (offered != manifest.size()) {
                throw differs("has " + offered + " bytes, not the " + manifest.size() + " of");
            }
            verified = manifest;
            return;
        }
        GoldenImages.checkHash(source, Sha256.hex(whole), source.file().toString());
        verified = building.build(offered);
        try {
            verified.write(manifestFile);
        } catch (IOException | RuntimeException e) {
            // Only speed is lost: the next use checks the whole file again.
        }
    }

    private synchronized void fail(CardException mismatch) {
        if (failure == null) {
            failure = mismatch;
        }
    }

    private CardException differs(String how) {
        return new CardException("golden image " + source.file() + " for node " + source.node() + " " + how
                + " the image with SHA-256 " + source.sha256() + " it was checked to be before (chunk manifest "
                + manifestFile + "): refusing to use it"
                + (source.url() != null ? " (a damaged cache entry: delete it to download the image again)" : ""));
    }

    private static String sha256(ByteBuffer data) {
        MessageDigest digest = Sha256.newDigest();
        digest.update(data);
        return Sha256.hex(digest);
    }

    private static ThreadFactory daemon(String name) {
        return r -> {
            Thread thread = new Thread(r, name);
            thread.setDaemon(true);
            return thread;
        };
    }

    @Override
    public void close() {
        chunkHashers.shutdownNow();
        if (inOrder != null) {
            inOrder.shutdownNow();
        }
    }
}
