package dev.metis.tftp;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/** What a transfer reads from: a file, or bytes Metis generated (a Pi's cmdline.txt). */
public interface TftpSource extends AutoCloseable {

    /** Per open file; the transport bounds the number of transfers, and so the memory this takes. */
    int READ_AHEAD_BYTES = 64 * 1024;

    long size();

    /** Fills {@code into} from {@code position} up to its limit; fewer bytes only at the end. Returns the count. */
    int read(long position, ByteBuffer into) throws IOException;

    @Override
    void close() throws IOException;

    static TftpSource of(byte[] bytes) {
        return new TftpSource() {
            @Override
            public long size() {
                return bytes.length;
            }

            @Override
            public int read(long position, ByteBuffer into) {
                int n = (int) Math.max(0, Math.min(into.remaining(), bytes.length - position));
                into.put(bytes, (int) position, n);
                return n;
            }

            @Override
            public void close() {
            }
        };
    }

    /**
     * A file read ahead in chunks: transfers read it block after block, and one read per chunk instead
     * of one per block saves a system call per packet. A retransmission that steps back re-reads.
     */
    static TftpSource open(Path file) throws IOException {
        FileChannel channel = FileChannel.open(file, StandardOpenOption.READ);
        long size = channel.size();
        return new TftpSource() {
            private final ByteBuffer chunk = ByteBuffer.allocate(READ_AHEAD_BYTES).limit(0);
            private long chunkStart;

            @Override
            public long size() {
                return size;
            }

            @Override
            public int read(long position, ByteBuffer into) throws IOException {
                int copied = 0;
                while (into.hasRemaining()) {
                    long at = position + copied;
                    if (at < chunkStart || at >= chunkStart + chunk.limit()) {
                        if (!fill(at)) {
                            break;
                        }
                    }
                    int from = (int) (at - chunkStart);
                    int n = Math.min(into.remaining(), chunk.limit() - from);
                    into.put(chunk.array(), from, n);
                    copied += n;
                }
                return copied;
            }

            /** Reads the chunk starting at {@code at}; false at the end of the file. */
            private boolean fill(long at) throws IOException {
                chunk.clear();
                chunkStart = at;
                while (chunk.hasRemaining() && channel.read(chunk, at + chunk.position()) >= 0) {
                    if (at + chunk.position() >= size) {
                        break;
                    }
                }
                chunk.flip();
                return chunk.hasRemaining();
            }

            @Override
            public void close() throws IOException {
                channel.close();
            }
        };
    }
}
