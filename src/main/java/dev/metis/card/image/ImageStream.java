package dev.metis.card.image;

import java.io.BufferedInputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.StandardOpenOption;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;

/**
 * One front-to-back pass over a golden image's decompressed bytes, with the file checked against its
 * SHA-256 on the way: an uncompressed image from the chunks as they are read for writing, a compressed
 * one by a pass of its own over the (smaller) file, on its own threads. {@link #finish} waits for the check.
 */
public final class ImageStream implements Closeable {

    private final GoldenImages.Source source;
    private final Compression compression;
    /** The decompressed size, as the file's header says or, failing that, as an earlier whole pass found. */
    private final OptionalLong size;
    /** Whether an earlier pass on record decompressed this image whole. */
    private final boolean wholeOnRecord;
    /** How far the image must reach: to the end of its last partition. */
    private long mustReach;
    private final FileChannel file;
    private final InputStream decompressed;
    private final ImageCheck check;
    private final Future<Void> checkPass;
    private byte[] scratch;
    private long position;
    /** The furthest {@link #position} before a {@link #seek}: where the image ended, once read. */
    private long furthest;

    private ImageStream(GoldenImages.Source source, ImageCheck check) throws IOException {
        this.source = source;
        this.compression = Compression.of(source.file());
        Optional<ChunkManifest.WholeStream> onRecord = check == null ? Optional.empty()
                : check.wholeStream().filter(whole -> whole.compression() == compression);
        this.wholeOnRecord = onRecord.isPresent();
        OptionalLong announced = compression.knownSize(source.file());
        this.size = announced.isPresent() || onRecord.isEmpty() ? announced : OptionalLong.of(onRecord.get().size());
        this.file = FileChannel.open(source.file(), StandardOpenOption.READ);
        ParallelXzInputStream parallel = compression == Compression.XZ
                ? ParallelXzInputStream.openIfParallel(source.file()) : null;
        this.decompressed = compression == Compression.NONE ? null : parallel != null ? parallel
                : compression.decompress(new BufferedInputStream(Channels.newInputStream(file), 1 << 20));
        this.check = check;
        this.checkPass = check != null && compression != Compression.NONE ? BackgroundWork.start("image-check", () -> {
            check.readAll(null);
            return null;
        }) : null;
    }

    /** @param check what checks the file as it streams; null to read without checking (plan) */
    public static ImageStream open(GoldenImages.Source source, ImageCheck check) throws CardException {
        try {
            return new ImageStream(source, check);
        } catch (IOException e) {
            throw new CardException("golden image " + source.file() + " is corrupt or truncated: " + e.getMessage(), e);
        }
    }

    public Compression compression() {
        return compression;
    }

    /** The decompressed size when the file tells it up front, or an earlier whole pass on record found it. */
    public OptionalLong size() {
        return size;
    }

    /** The image file itself, for reading an uncompressed image at any position. */
    public FileChannel file() {
        return file;
    }

    public long position() {
        return position;
    }

    /**
     * Whether the image can be read in any order, a chunk at a time: an uncompressed one whose check (if
     * any) takes chunks in any order.
     */
    public boolean inAnyOrder() {
        return compression == Compression.NONE && (check == null || check.byChunks());
    }

    /** Where the next {@link #read(ChunkBuffers.Slot)} starts, at a chunk's first byte; only when {@link #inAnyOrder}. */
    public void seek(long chunkOffset) {
        if (!inAnyOrder() || chunkOffset % ChunkBuffers.CHUNK != 0) {
            throw new IllegalStateException("cannot read this image from byte " + chunkOffset);
        }
        furthest = Math.max(furthest, position);
        position = chunkOffset;
    }

    /**
     * Gives {@code slot} the next chunk, or what is left of the image, and sets its length. An uncompressed
     * image's chunk is mapped in place and handed to the check; a compressed one's is decompressed into the
     * slot's buffer after what it already holds.
     *
     * @return the bytes read, 0 at the end
     */
    public int read(ChunkBuffers.Slot slot) throws CardException {
        if (compression == Compression.NONE) {
            return mapNext(slot);
        }
        ByteBuffer into = slot.buffer();
        int before = into.position();
        if (scratch == null) {
            scratch = new byte[1 << 20];
        }
        for (int n; into.hasRemaining() && (n = read(scratch, 0, Math.min(scratch.length, into.remaining()))) > 0; ) {
            into.put(scratch, 0, n);
        }
        slot.length = into.position();
        return into.position() - before;
    }

    /** Maps the next chunk and hands it to the check. */
    private int mapNext(ChunkBuffers.Slot slot) throws CardException {
        try {
            int n = slot.map(file, position);
            position += n;
            if (check != null && n > 0) {
                check.offer(slot);
            }
            return n;
        } catch (IOException e) {
            throw new CardException("cannot read golden image " + source.file() + " at byte " + position + ": "
                    + e.getMessage(), e);
        }
    }

    /** Fills {@code buffer[from, from + length)} unless the image ends first. @return the bytes read, 0 at the end */
    public int read(byte[] buffer, int from, int length) throws CardException {
        int filled = 0;
        try {
            while (filled < length) {
                int n = decompressed.read(buffer, from + filled, length - filled);
                if (n < 0) {
                    break;
                }
                filled += n;
            }
        } catch (IOException e) {
            throw new CardException("golden image " + source.file() + " is corrupt or truncated at byte " + (position + filled)
                    + " of its " + compression + " stream: " + e.getMessage(), e);
        }
        position += filled;
        return filled;
    }

    /** Throws a mismatch the check has already found, so a write stops early. */
    public void throwIfCheckFailed() throws CardException {
        if (check != null) {
            check.throwIfFailed();
        }
    }

    /** The image ends no earlier than {@code end}, where its partition table says its last partition ends. */
    public void mustReach(long end) {
        mustReach = end;
    }

    /**
     * After the last byte: checks the file against its hash, the size its header announced and the end of
     * its last partition; a compressed image's whole pass is then recorded beside its chunk manifest.
     */
    public void finish() throws CardException {
        awaitCheckPass();
        check.finish();
        long read = Math.max(furthest, position);
        if (size.isPresent() && size.getAsLong() != read) {
            throw new CardException("golden image " + source.file() + " gave " + read + " bytes, but "
                    + (wholeOnRecord ? "an earlier pass over it gave " : "its " + compression + " header announced ")
                    + size.getAsLong());
        }
        if (read < mustReach) {
            throw new CardException("golden image " + source.file() + " ends at byte " + read + ", but its partition"
                    + " table has partitions up to byte " + mustReach);
        }
        if (compression != Compression.NONE) {
            check.recordWholeStream(new ChunkManifest.WholeStream(compression, read));
        }
    }

    /**
     * Everything a write would check in the image's bytes, writing nothing: for plan (whose stream has read
     * the image's head), and for burn before it touches the card. The file is checked against its hash; a
     * compressed one is also decompressed to its end (and the pass recorded) unless a whole pass is on
     * record for it.
     *
     * @return whether the image was decompressed whole now
     */
    public boolean checkWithoutWriting(Progress progress) throws CardException {
        if (compression == Compression.NONE) {
            Progress.Step step = progress.start("check", size.getAsLong());
            check.readAll(step);
            check.finish();
            step.finish();
            return false;
        }
        if (wholeOnRecord) {
            awaitCheckPass();
            check.finish();
            return false;
        }
        Progress.Step step = progress.start("check", size.orElse(-1));
        step.advance(position);
        byte[] buffer = new byte[ChunkBuffers.CHUNK];
        for (int n; (n = read(buffer, 0, buffer.length)) > 0; ) {
            step.advance(n);
        }
        finish();
        step.finish();
        return true;
    }

    /** Waits for the hash check's own pass over a compressed file, and throws what it found wrong. */
    private void awaitCheckPass() throws CardException {
        if (checkPass == null) {
            return;
        }
        try {
            checkPass.get();
        } catch (ExecutionException e) {
            throw e.getCause() instanceof CardException card ? card
                    : new CardException("cannot read golden image " + source.file() + ": " + e.getCause(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CardException("interrupted", e);
        }
    }

    @Override
    public void close() throws IOException {
        if (check != null) {
            check.close();
        }
        try (file) {
            if (decompressed != null) {
                decompressed.close();
            }
        }
    }
}
