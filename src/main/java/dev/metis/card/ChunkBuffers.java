package dev.metis.card;

import java.nio.ByteBuffer;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Up to {@code count} aligned direct buffers of one chunk each, each made when it is first needed (so the
 * first write need not wait for them all). A chunk is read into one once and then shared: the image check
 * hashes it while the writer writes it (direct I/O straight from the buffer), and it goes back to the free
 * set when the last of them releases it, so neither waits for the other.
 */
final class ChunkBuffers {

    private static final ByteBuffer ZEROS = ByteBuffer.allocateDirect(CardWriter.CHUNK).asReadOnlyBuffer();

    private final BlockingQueue<Slot> free;
    private final int alignment;
    private int unmade;

    ChunkBuffers(int count, int alignment) {
        this.free = new ArrayBlockingQueue<>(count);
        this.alignment = alignment;
        this.unmade = count;
    }

    /** A direct buffer of one chunk whose address is a multiple of {@code alignment}, as direct I/O needs. */
    static ByteBuffer aligned(int alignment) {
        return ByteBuffer.allocateDirect(CardWriter.CHUNK + alignment).alignedSlice(alignment);
    }

    /** Whether a chunk (or less) is all zeros: a vectorised compare, some thirty times faster than hashing it. */
    static boolean isZero(ByteBuffer data) {
        return data.mismatch(ZEROS.duplicate().limit(data.remaining())) < 0;
    }

    /** What a wait for a free buffer checks every 100 ms: throws when the work it waits for has failed. */
    interface Watch {
        void check() throws CardException;
    }

    /** The next free buffer, held once by the caller; one thread takes them. */
    Slot take(Watch watch) throws CardException {
        try {
            while (true) {
                Slot slot = free.poll();
                if (slot == null && unmade > 0) {
                    unmade--;
                    slot = new Slot(aligned(alignment));
                } else if (slot == null) {
                    slot = free.poll(100, TimeUnit.MILLISECONDS);
                }
                if (slot != null) {
                    slot.mapped = null;
                    slot.refs.set(1);
                    slot.buffer.clear().limit(CardWriter.CHUNK);
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
    final class Slot {
        private final ByteBuffer buffer;
        private final AtomicInteger refs = new AtomicInteger();
        /** The chunk where it lies in a mapped image file, read in place instead of copied into the buffer. */
        private ByteBuffer mapped;
        long offset;
        int length;

        private Slot(ByteBuffer buffer) {
            this.buffer = buffer;
        }

        /** The buffer, its limit at one chunk, for reading a chunk into. */
        ByteBuffer buffer() {
            return buffer;
        }

        /** Holds the chunk in place: {@code length} bytes of a mapped file, page-aligned as direct I/O needs. */
        void map(ByteBuffer chunk) {
            mapped = chunk;
            length = chunk.remaining();
        }

        /** The chunk's bytes, a view of their own for each caller. */
        ByteBuffer data() {
            return (mapped != null ? mapped : buffer).duplicate().position(0).limit(length);
        }

        Slot retain() {
            refs.incrementAndGet();
            return this;
        }

        void release() {
            if (refs.decrementAndGet() == 0) {
                free.add(this);
            }
        }
    }
}
