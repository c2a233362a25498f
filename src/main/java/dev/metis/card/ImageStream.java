package dev.metis.card;

import java.io.BufferedInputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.StandardOpenOption;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/**
 * One front-to-back pass over a golden image's decompressed bytes. The file's SHA-256 is taken by a
 * thread of its own while the image streams, so checking an image costs no time beyond the write
 * unless hashing is the slower of the two; {@link #finish} waits for it.
 */
final class ImageStream implements Closeable {

    private final GoldenImages.Source source;
    private final Compression compression;
    private final OptionalLong size;
    private final FileChannel file;
    private final CompletableFuture<String> fileHash;
    private final InputStream decompressed;
    private long position;

    private ImageStream(GoldenImages.Source source) throws IOException {
        this.source = source;
        this.compression = Compression.of(source.file());
        this.size = compression.knownSize(source.file());
        this.file = FileChannel.open(source.file(), StandardOpenOption.READ);
        ParallelXzInputStream parallel = compression == Compression.XZ
                ? ParallelXzInputStream.openIfParallel(source.file()) : null;
        this.decompressed = parallel != null ? parallel
                : compression.decompress(new BufferedInputStream(Channels.newInputStream(file), 1 << 20));
        FileChannel hashed = FileChannel.open(source.file(), StandardOpenOption.READ);
        this.fileHash = new CompletableFuture<>();
        Thread hasher = new Thread(() -> {
            try (hashed) {
                fileHash.complete(GoldenImages.sha256(hashed));
            } catch (IOException | RuntimeException e) {
                fileHash.completeExceptionally(e);
            }
        }, "image-hash");
        hasher.setDaemon(true);
        hasher.start();
    }

    static ImageStream open(GoldenImages.Source source) throws CardException {
        try {
            return new ImageStream(source);
        } catch (IOException e) {
            throw new CardException("golden image " + source.file() + " is corrupt or truncated: " + e.getMessage(), e);
        }
    }

    Compression compression() {
        return compression;
    }

    /** The decompressed size when the file tells it up front. */
    OptionalLong size() {
        return size;
    }

    /** The image file itself, for reading an uncompressed image at any position. */
    FileChannel file() {
        return file;
    }

    long position() {
        return position;
    }

    /** Fills {@code buffer[from, from + length)} unless the image ends first. @return the bytes read, 0 at the end */
    int read(byte[] buffer, int from, int length) throws CardException {
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

    /** After the last byte: checks the file's hash, and the size its header announced. */
    void finish() throws CardException {
        checkFileHash();
        if (size.isPresent() && size.getAsLong() != position) {
            throw new CardException("golden image " + source.file() + " gave " + position + " bytes, but its "
                    + compression + " header announced " + size.getAsLong());
        }
    }

    /** Waits for the file's SHA-256 and compares it with the inventory's. */
    void checkFileHash() throws CardException {
        String actual;
        try {
            actual = fileHash.get();
        } catch (ExecutionException | CompletionException e) {
            throw new CardException("cannot read golden image " + source.file() + ": " + e.getCause().getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CardException("interrupted", e);
        }
        GoldenImages.checkHash(source, actual, source.file().toString());
    }

    @Override
    public void close() throws IOException {
        try (file) {
            decompressed.close();
        }
    }
}
