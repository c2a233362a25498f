package dev.metis.card.image;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.tukaani.xz.SeekableFileInputStream;
import org.tukaani.xz.SeekableXZInputStream;

/**
 * The decompressed bytes of a multi-block xz file (what {@code xz -T0} writes), its blocks decoded on
 * several threads and returned in order. Java's xz decoder is slower than liblzma on one core; on two it
 * keeps up with a card. Each block's check is verified by the decoder as it is read.
 */
final class ParallelXzInputStream extends InputStream {

    /** Larger blocks (xz -9 makes 192 MiB ones) would cost too much memory in flight: decode those in one stream. */
    private static final long MAX_BLOCK = 64L << 20;

    private final Path file;
    private final int blockCount;
    private final ExecutorService workers;
    private final int window;
    private final Deque<Future<byte[]>> pending = new ArrayDeque<>();
    private final List<SeekableXZInputStream> opened = new CopyOnWriteArrayList<>();
    private final ThreadLocal<SeekableXZInputStream> perThread = new ThreadLocal<>();
    private int nextToSubmit;
    private byte[] current = new byte[0];
    private int position;

    private ParallelXzInputStream(Path file, int blockCount, int threads) {
        this.file = file;
        this.blockCount = blockCount;
        this.window = threads + 1;
        this.workers = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "xz-block-decoder");
            t.setDaemon(true);
            return t;
        });
    }

    /** A parallel decoder when the file has several blocks of reasonable size, else null. */
    static ParallelXzInputStream openIfParallel(Path file) throws IOException {
        int threads = Runtime.getRuntime().availableProcessors();
        try (SeekableXZInputStream index = new SeekableXZInputStream(new SeekableFileInputStream(file.toFile()))) {
            if (threads < 2 || index.getBlockCount() < 2 || index.getLargestBlockSize() > MAX_BLOCK) {
                return null;
            }
            return new ParallelXzInputStream(file, index.getBlockCount(), threads);
        }
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] into, int offset, int length) throws IOException {
        if (length == 0) {
            return 0;
        }
        while (position == current.length) {
            if (!nextBlock()) {
                return -1;
            }
        }
        int n = Math.min(length, current.length - position);
        System.arraycopy(current, position, into, offset, n);
        position += n;
        return n;
    }

    private boolean nextBlock() throws IOException {
        while (nextToSubmit < blockCount && pending.size() < window) {
            int block = nextToSubmit++;
            pending.add(workers.submit(() -> decode(block)));
        }
        Future<byte[]> next = pending.poll();
        if (next == null) {
            return false;
        }
        try {
            current = next.get();
            position = 0;
            return true;
        } catch (ExecutionException e) {
            throw e.getCause() instanceof IOException io ? io : new IOException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while decompressing", e);
        }
    }

    private byte[] decode(int block) throws IOException {
        SeekableXZInputStream in = perThread.get();
        if (in == null) {
            in = new SeekableXZInputStream(new SeekableFileInputStream(file.toFile()));
            opened.add(in);
            perThread.set(in);
        }
        in.seekToBlock(block);
        byte[] bytes = new byte[(int) in.getBlockSize(block)];
        int done = 0;
        while (done < bytes.length) {
            int n = in.read(bytes, done, bytes.length - done);
            if (n < 0) {
                throw new IOException("xz block " + block + " ends early");
            }
            done += n;
        }
        return bytes;
    }

    @Override
    public void close() throws IOException {
        workers.shutdownNow();
        for (SeekableXZInputStream in : opened) {
            in.close();
        }
    }
}
