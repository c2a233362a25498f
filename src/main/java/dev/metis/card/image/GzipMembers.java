package dev.metis.card.image;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.util.zip.CRC32;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;
import java.util.zip.ZipException;

/**
 * A gzip file decompressed as RFC 1952 members one after another, with nothing after the last. Needed
 * because {@link java.util.zip.GZIPInputStream} ends quietly at bytes after a member that do not start
 * another one, so an image with anything appended would pass for whole; xz and zstd refuse that, and so
 * does this. Each member's CRC-32 and size are checked as it ends.
 */
final class GzipMembers extends InputStream {

    private static final int FHCRC = 0x02;
    private static final int FEXTRA = 0x04;
    private static final int FNAME = 0x08;
    private static final int FCOMMENT = 0x10;
    private static final int RESERVED_FLAGS = 0xe0;

    private final InputStream in;
    private final Inflater inflater = new Inflater(true);
    private final CRC32 crc = new CRC32();
    private final byte[] input = new byte[1 << 16];
    /** The compressed bytes read but not yet used are {@code input[next, end)}; {@code input[0]} is at {@code base} in the file. */
    private int next;
    private int end;
    private long base;
    private boolean ended;

    GzipMembers(InputStream in) throws IOException {
        this.in = in;
        startMember(true);
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] into, int from, int length) throws IOException {
        if (length == 0) {
            return 0;
        }
        while (!ended) {
            int n;
            try {
                n = inflater.inflate(into, from, length);
            } catch (DataFormatException e) {
                throw new ZipException("the gzip data is corrupt near byte " + position() + " of the file: " + e.getMessage());
            }
            if (n > 0) {
                crc.update(into, from, n);
                return n;
            }
            if (inflater.finished()) {
                next = end - inflater.getRemaining();
                endMember();
                if (moreInput()) {
                    startMember(false);
                } else {
                    ended = true;
                }
            } else if (inflater.needsInput()) {
                next = end;
                if (!moreInput()) {
                    throw new EOFException("the gzip file ends at byte " + position() + ", inside a member: it is truncated");
                }
                inflater.setInput(input, next, end - next);
            } else {
                throw new ZipException("the gzip member at byte " + position() + " needs a preset dictionary");
            }
        }
        return -1;
    }

    private void startMember(boolean first) throws IOException {
        long at = position();
        if (readByte() != 0x1f || readByte() != 0x8b) {
            throw new ZipException(first ? "not a gzip file"
                    : "the gzip stream ends at byte " + at + " of the file, but more bytes follow that are not another"
                            + " gzip member (trailing data)");
        }
        int method = readByte();
        int flags = readByte();
        if (method != 8 || (flags & RESERVED_FLAGS) != 0) {
            throw new ZipException("the gzip member at byte " + at + " has an unknown method or flags");
        }
        skip(6);   // modification time, extra flags, operating system
        if ((flags & FEXTRA) != 0) {
            skip(readByte() | readByte() << 8);
        }
        if ((flags & FNAME) != 0) {
            skipPastZero();
        }
        if ((flags & FCOMMENT) != 0) {
            skipPastZero();
        }
        if ((flags & FHCRC) != 0) {
            skip(2);
        }
        inflater.reset();
        crc.reset();
        inflater.setInput(input, next, end - next);
    }

    private void endMember() throws IOException {
        long at = position();
        long storedCrc = readUInt();
        long storedSize = readUInt();
        if (storedCrc != crc.getValue() || storedSize != (inflater.getBytesWritten() & 0xffffffffL)) {
            throw new ZipException("the gzip member ending at byte " + at + " of the file fails its CRC-32 or size check");
        }
    }

    private long readUInt() throws IOException {
        long value = 0;
        for (int i = 0; i < 4; i++) {
            value |= (long) readByte() << (8 * i);
        }
        return value;
    }

    private void skipPastZero() throws IOException {
        while (readByte() != 0) {
            // The name or comment itself is of no use here.
        }
    }

    private void skip(int count) throws IOException {
        for (int i = 0; i < count; i++) {
            readByte();
        }
    }

    private int readByte() throws IOException {
        if (!moreInput()) {
            throw new EOFException("the gzip file ends at byte " + position() + ", inside a member's header or trailer");
        }
        return input[next++] & 0xff;
    }

    /** Whether a compressed byte is at hand, reading more when all have been used. */
    private boolean moreInput() throws IOException {
        if (next < end) {
            return true;
        }
        base += end;
        next = 0;
        end = 0;
        for (int n; (n = in.read(input, 0, input.length)) != -1; ) {
            if (n > 0) {
                end = n;
                return true;
            }
        }
        return false;
    }

    private long position() {
        return base + next;
    }

    @Override
    public void close() throws IOException {
        inflater.end();
        in.close();
    }
}
