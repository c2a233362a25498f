package dev.metis.card.image;

import java.io.IOException;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Field;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Up to {@code count} aligned direct buffers of one chunk each, each made when it is first needed (so the
 * first write need not wait for them all). A chunk is read into one once (or, from an uncompressed image,
 * mapped in place) and then shared: the image check hashes it while the writer writes it (direct I/O
 * straight from the buffer), and it goes back to the free set when the last of them releases it, so
 * neither waits for the other. The count bounds how far reading runs ahead of writing and hashing.
 */
public final class ChunkBuffers {

    /** Bytes in a chunk: the unit the image is read, checked, written and verified in. */
    public static final int CHUNK = 4 << 20;
    private static final ByteBuffer ZEROS = ByteBuffer.allocateDirect(CHUNK).asReadOnlyBuffer();
    /**
     * {@code sun.misc.Unsafe.invokeCleaner}: Java 17's only way to unmap a file before the collector does
     * (Lucene unmaps its index files the same way); null where it is missing.
     */
    private static final MethodHandle UNMAP = unmapper();

    private final BlockingQueue<Slot> free;
    private final int alignment;
    private int unmade;

    public ChunkBuffers(int count, int alignment) {
        this.free = new ArrayBlockingQueue<>(count);
        this.alignment = alignment;
        this.unmade = count;
    }

    private static MethodHandle unmapper() {
        try {
            Class<?> unsafe = Class.forName("sun.misc.Unsafe");
            Field instance = unsafe.getDeclaredField("theUnsafe");
            instance.setAccessible(true);
            return MethodHandles.lookup().findVirtual(unsafe, "invokeCleaner",
                    MethodType.methodType(void.class, ByteBuffer.class)).bindTo(instance.get(null));
        } catch (ReflectiveOperationException | RuntimeException e) {
            return null;
        }
    }

    /** A direct buffer of one chunk whose address is a multiple of {@code alignment}, as direct I/O needs. */
    public static ByteBuffer aligned(int alignment) {
        return ByteBuffer.allocateDirect(CHUNK + alignment).alignedSlice(alignment);
    }

    /** {@code length} zeros (at most a chunk), read-only. */
    public static ByteBuffer zeros(int length) {
        return ZEROS.duplicate().limit(length);
    }

    /** Whether a chunk (or less) is all zeros: a vectorised compare, some thirty times faster than hashing it. */
    public static boolean isZero(ByteBuffer data) {
        return data.mismatch(zeros(data.remaining())) < 0;
    }

    /** What a wait for a free buffer checks every 100 ms: throws when the work it waits for has failed. */
    public interface Watch {
        void check() throws CardException;
    }

    /** The next free buffer, held once by the caller; one thread takes them. */
    public Slot take(Watch watch) throws CardException {
        try {
            while (true) {
                Slot slot = free.poll();
                if (slot == null && unmade > 0) {
                    unmade--;
                    slot = new Slot();
                } else if (slot == null) {
                    slot = free.poll(100, TimeUnit.MILLISECONDS);
                }
                if (slot != null) {
                    slot.mapped = null;
                    slot.refs.set(1);
                    if (slot.buffer != null) {
                        slot.buffer.clear().limit(CHUNK);
                    }
                    return slot;
                }
                watch.check();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CardException("interrupted", e);
        }
    }

    /** One buffer with the chunk it holds: {@code length} bytes of the image from {@code offset}. */
    public final class Slot {
        /** Made when first asked for: a slot that only ever holds mapped chunks needs none. */
        private ByteBuffer buffer;
        private final AtomicInteger refs = new AtomicInteger();
        /** The chunk where it lies in a mapped image file, read in place instead of copied into the buffer. */
        private ByteBuffer mapped;
        public long offset;
        public int length;

        /** The buffer, its limit at one chunk, for reading a chunk into. */
        public ByteBuffer buffer() {
            if (buffer == null) {
                buffer = aligned(alignment).limit(CHUNK);
            }
            return buffer;
        }

        /**
         * Holds the chunk of {@code file} at {@code position} where it lies, mapped (page-aligned, as direct I/O
         * needs) instead of copied: readers of the chunk read the page cache in place.
         *
         * @return its length, less than a chunk at the file's end
         */
        int map(FileChannel file, long position) throws IOException {
            int n = (int) Math.max(0, Math.min(CHUNK, file.size() - position));
            // A heap buffer past the end: never taken for a mapping to unmap (a direct one would be).
            mapped = ByteBuffer.allocate(0);
            if (n > 0) {
                MappedByteBuffer chunk = file.map(FileChannel.MapMode.READ_ONLY, position, n);
                try {
                    // Every page touched now, where a file cut short under us is an error rather than a fault
                    // in a checksum's native code later, which would stop the JVM.
                    chunk.load();
                } catch (InternalError e) {
                    throw new IOException("the file was cut short while being read", e);
                }
                mapped = chunk;
            }
            offset = position;
            length = n;
            return n;
        }

        /** The chunk's bytes, a view of their own for each caller. */
        public ByteBuffer data() {
            return (mapped != null ? mapped : buffer).duplicate().position(0).limit(length);
        }

        Slot retain() {
            refs.incrementAndGet();
            return this;
        }

        public void release() {
            if (refs.decrementAndGet() == 0) {
                unmap();
                free.add(this);
            }
        }

        /**
         * Unmaps the chunk once its last reader has let go, so that a run holds only the chunks in flight: the
         * collector alone would keep each mapping, and the image's pages counted as the process's memory
         * (4.4 GB for a 4 GiB image), until it next runs, which in a run like this may be never.
         */
        private void unmap() {
            if (mapped instanceof MappedByteBuffer chunk && UNMAP != null) {
                mapped = null;
                try {
                    UNMAP.invokeExact((ByteBuffer) chunk);
                } catch (Throwable e) {
                    // Left to the collector, as without the method.
                }
            }
        }
    }
}
