package dev.metis.card;

import dev.metis.files.Sha256;
import java.io.BufferedInputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.StandardOpenOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.util.OptionalLong;

/**
 * One front-to-back pass over a golden image's decompressed bytes, taking the SHA-256 of the file as it
 * is (compressed or not) on the way, so an image is never read twice just to check it.
 */
final class ImageStream implements Closeable {

    private final GoldenImages.Source source;
    private final Compression compression;
    private final OptionalLong size;
    private final FileChannel file;
    private final MessageDigest fileDigest = Sha256.newDigest();
    private final InputStream raw;
    private final InputStream decompressed;
    private long position;

    private ImageStream(GoldenImages.Source source) throws IOException {
        this.source = source;
        this.compression = Compression.of(source.file());
        this.size = compression.knownSize(source.file());
        this.file = FileChannel.open(source.file(), StandardOpenOption.READ);
        this.raw = new DigestInputStream(new BufferedInputStream(Channels.newInputStream(file), 1 << 20), fileDigest);
        this.decompressed = compression.decompress(raw);
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

    /** After the last byte: reads what the decompressor left (padding, index) and checks the file's hash. */
    void finish() throws CardException {
        try {
            raw.transferTo(java.io.OutputStream.nullOutputStream());
        } catch (IOException e) {
            throw new CardException("cannot read golden image " + source.file() + ": " + e.getMessage(), e);
        }
        GoldenImages.checkHash(source, Sha256.hex(fileDigest), source.file().toString());
        if (size.isPresent() && size.getAsLong() != position) {
            throw new CardException("golden image " + source.file() + " gave " + position + " bytes, but its "
                    + compression + " header announced " + size.getAsLong());
        }
    }

    @Override
    public void close() throws IOException {
        decompressed.close();
        file.close();
    }
}
