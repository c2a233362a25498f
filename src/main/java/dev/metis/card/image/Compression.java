package dev.metis.card.image;

import com.github.luben.zstd.ZstdInputStreamNoFinalizer;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.OptionalLong;
import org.tukaani.xz.SeekableFileInputStream;
import org.tukaani.xz.SeekableXZInputStream;
import org.tukaani.xz.XZInputStream;

/** How a golden image file is compressed, told by its first bytes rather than its name. */
public enum Compression {
    NONE, XZ, GZIP, ZSTD;

    private static final byte[] XZ_MAGIC = {(byte) 0xfd, '7', 'z', 'X', 'Z', 0};
    private static final byte[] GZIP_MAGIC = {0x1f, (byte) 0x8b};
    private static final byte[] ZSTD_MAGIC = {0x28, (byte) 0xb5, 0x2f, (byte) 0xfd};

    public static Compression of(Path file) throws IOException {
        byte[] magic = new byte[6];
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            channel.read(ByteBuffer.wrap(magic), 0);
        }
        if (startsWith(magic, XZ_MAGIC)) {
            return XZ;
        }
        if (startsWith(magic, GZIP_MAGIC)) {
            return GZIP;
        }
        return startsWith(magic, ZSTD_MAGIC) ? ZSTD : NONE;
    }

    /** The decompressed stream of {@code compressed}; closing it closes {@code compressed}. */
    public InputStream decompress(InputStream compressed) throws IOException {
        return switch (this) {
            case NONE -> compressed;
            // No memory limit: golden images come from the operator's own inventory.
            case XZ -> new XZInputStream(compressed);
            case GZIP -> new GzipMembers(compressed);
            case ZSTD -> new ZstdInputStreamNoFinalizer(compressed);
        };
    }

    /**
     * The decompressed size when the file says it without decompressing: an xz index, a zstd frame header
     * with its content size, or the file's own size. gzip only keeps the size modulo 4 GiB, so it is unknown.
     */
    public OptionalLong knownSize(Path file) throws IOException {
        switch (this) {
            case NONE:
                return OptionalLong.of(java.nio.file.Files.size(file));
            case XZ:
                try (SeekableXZInputStream xz = new SeekableXZInputStream(new SeekableFileInputStream(file.toFile()))) {
                    return OptionalLong.of(xz.length());
                }
            case ZSTD:
                return zstdContentSize(file);
            default:
                return OptionalLong.empty();
        }
    }

    /** RFC 8878 frame header: the content size field, present when the compressor knew the input size. */
    private static OptionalLong zstdContentSize(Path file) throws IOException {
        ByteBuffer header = ByteBuffer.allocate(18).order(ByteOrder.LITTLE_ENDIAN);
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            channel.read(header, 0);
        }
        int descriptor = header.get(4) & 0xff;
        int sizeFlag = descriptor >>> 6;
        boolean singleSegment = (descriptor & 0x20) != 0;
        int dictIdBytes = new int[] {0, 1, 2, 4}[descriptor & 3];
        int at = 5 + (singleSegment ? 0 : 1) + dictIdBytes;
        return switch (sizeFlag) {
            case 0 -> singleSegment ? OptionalLong.of(header.get(at) & 0xff) : OptionalLong.empty();
            case 1 -> OptionalLong.of((header.getShort(at) & 0xffff) + 256L);
            case 2 -> OptionalLong.of(Integer.toUnsignedLong(header.getInt(at)));
            default -> OptionalLong.of(header.getLong(at));
        };
    }

    private static boolean startsWith(byte[] bytes, byte[] prefix) {
        return Arrays.equals(bytes, 0, prefix.length, prefix, 0, prefix.length);
    }

    @Override
    public String toString() {
        return this == NONE ? "none" : name().toLowerCase(java.util.Locale.ROOT);
    }
}
