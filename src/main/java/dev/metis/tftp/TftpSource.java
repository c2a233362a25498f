package dev.metis.tftp;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/** What a transfer reads from: a file, or bytes Metis generated (a Pi's cmdline.txt). */
public interface TftpSource extends AutoCloseable {

    long size();

    /** Reads up to {@code length} bytes at {@code position}; fewer only at the end. */
    int read(long position, byte[] into, int offset, int length) throws IOException;

    @Override
    void close() throws IOException;

    static TftpSource of(byte[] bytes) {
        return new TftpSource() {
            @Override
            public long size() {
                return bytes.length;
            }

            @Override
            public int read(long position, byte[] into, int offset, int length) {
                int n = (int) Math.max(0, Math.min(length, bytes.length - position));
                System.arraycopy(bytes, (int) position, into, offset, n);
                return n;
            }

            @Override
            public void close() {
            }
        };
    }

    static TftpSource open(Path file) throws IOException {
        FileChannel channel = FileChannel.open(file, StandardOpenOption.READ);
        long size = channel.size();
        return new TftpSource() {
            @Override
            public long size() {
                return size;
            }

            @Override
            public int read(long position, byte[] into, int offset, int length) throws IOException {
                ByteBuffer buffer = ByteBuffer.wrap(into, offset, length);
                while (buffer.hasRemaining()) {
                    int n = channel.read(buffer, position + buffer.position() - offset);
                    if (n < 0) {
                        break;
                    }
                }
                return buffer.position() - offset;
            }

            @Override
            public void close() throws IOException {
                channel.close();
            }
        };
    }
}
