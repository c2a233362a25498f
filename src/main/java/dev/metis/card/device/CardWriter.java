package dev.metis.card.device;

import static dev.metis.card.image.ChunkBuffers.CHUNK;

import com.sun.nio.file.ExtendedOpenOption;
import dev.metis.card.disk.FileReads;
import dev.metis.card.image.BackgroundWork;
import dev.metis.card.image.CardException;
import dev.metis.card.image.ChunkBuffers;
import dev.metis.card.image.ImageStream;
import dev.metis.card.image.Progress;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.zip.CRC32C;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * Streams an image, with the seed's changed sectors laid over it, onto a target: large aligned writes,
 * direct I/O where the target allows it, the first chunk (partition table) held back and written after
 * everything else is on stable storage, then the whole range read back and hashed. Reading and
 * decompressing run on the calling thread, the image check on its own threads, and a writer thread
 * writes each chunk from the buffer it was read into, waiting for neither. A file target is written
 * sparse, as {@code cp --sparse} and bmaptool do: its chunks of zeros (an image's free space) are left as
 * holes, which read back as zeros; a card gets every byte, as its old contents are still there.
 */
public final class CardWriter {

    /** Enough for the check and the writer to each have a few chunks in hand, plus the held-back first chunk. */
    private static final int BUFFERS = 10;

    /**
     * @param checksums CRC-32C of each {@value ChunkBuffers#CHUNK}-byte chunk as written: hardware-fast, so
     *                  the check costs nothing next to the write, and a failed read-back names the chunk it found
     * @param holes     bytes of zeros left as holes in a file target instead of written
     */
    public record Written(long bytes, long holes, int[] checksums, double seconds) {
    }

    /**
     * The bytes before the stream's position, already read into a spill file; an uncompressed image is
     * read from its start and needs none.
     */
    public record Prefix(FileChannel file, long length) {
        public static final Prefix NONE = new Prefix(null, 0);
    }

    /**
     * The seed's changes to an uncompressed image: its changed sectors by image offset, all below {@code end},
     * perhaps still being worked out on another thread. An image that can be read in any order is written
     * from the first chunk past {@code end} to its last, then from its start, so the bulk of it is on its way
     * to the target while they are.
     */
    public record Changes(long end, Future<NavigableMap<Long, byte[]>> sectors) {
        /** The sectors to lay over the chunk at {@code offset}, waiting for them if they are needed and not yet known. */
        NavigableMap<Long, byte[]> at(long offset) throws CardException {
            return offset < end ? BackgroundWork.result(sectors) : Collections.emptyNavigableMap();
        }
    }

    /**
     * @param again true when the chunk is written a second time, now with the seed laid over it
     * @param zero true when it is all zeros, so a file target can skip it: never for a chunk written again,
     *             whose first write left bytes there
     * @param checksum its CRC-32C, taken before it is queued so the writer does nothing but write
     */
    private record Chunk(ChunkBuffers.Slot slot, boolean again, boolean zero, int checksum) {
        static final Chunk END = new Chunk(null, false, false, 0);
        /** A whole chunk of zeros is common (free space) and always has this checksum. */
        private static final int ZERO_CHUNK_CHECKSUM = checksum(ChunkBuffers.zeros(CHUNK));

        static Chunk of(ChunkBuffers.Slot slot, boolean again) {
            ByteBuffer data = slot.data();
            boolean zero = !again && ChunkBuffers.isZero(data);
            int checksum = zero && data.remaining() == CHUNK ? ZERO_CHUNK_CHECKSUM : checksum(data);
            return new Chunk(slot, again, zero, checksum);
        }

        private static int checksum(ByteBuffer data) {
            CRC32C crc = new CRC32C();
            crc.update(data);
            return (int) crc.getValue();
        }
    }

    /**
     * Injection that happens while a compressed image streams: the head chunks are written as they come
     * (so a card is busy from the first second) and kept in a spill file; once the boot partition has
     * passed, the seed is injected and the chunks it changed are written again.
     */
    public interface MidStreamInjection {
        /** Where the boot partition ends: once the stream is past it, {@link #inject} can run. */
        long end();

        /** Keeps a head chunk as it was read. */
        void spill(ByteBuffer data, long offset) throws CardException;

        /** Reads a kept head chunk back, filling {@code into}. */
        void readSpill(long offset, ByteBuffer into) throws CardException;

        /**
         * Injects the seed into the kept head.
         *
         * @return the changed sectors by image offset; those past the head (a GPT's backup at the image's end)
         *         are laid over the stream as it reaches them
         */
        NavigableMap<Long, byte[]> inject() throws CardException;
    }

    private CardWriter() {
    }

    /**
     * @param limit the most bytes the target can take, -1 for no limit
     * @param file whether the target is a regular file: written from empty (as dd does), sparse, and ending
     *             where the image ends
     */
    public static Written write(ImageStream image, Prefix prefix, Changes changes, MidStreamInjection midStream,
            Path target, long limit, boolean file, Progress.Step step) throws CardException {
        BlockingQueue<Chunk> full = new LinkedBlockingQueue<>();
        ExecutorService thread = Executors.newSingleThreadExecutor(r -> new Thread(r, "card-writer"));
        long started = System.nanoTime();
        try (Sink sink = Sink.open(target, file)) {
            ChunkBuffers buffers = new ChunkBuffers(BUFFERS, sink.channels.alignment);
            Future<int[]> writer = thread.submit(() -> sink.drain(full, step));
            ChunkBuffers.Watch watch = () -> {
                image.throwIfCheckFailed();
                stoppedEarly(writer);
            };
            // Where writing starts, and where it stops once it has gone on from the image's start (-1: at its end).
            long start = changes != null && image.inAnyOrder() ? (changes.end() + CHUNK - 1) / CHUNK * CHUNK : 0;
            long stop = -1;
            long offset = start;
            long end = 0;
            if (start > 0) {
                image.seek(start);
            }
            NavigableMap<Long, byte[]> laidOver = null;
            while (offset != stop) {
                watch.check();
                ChunkBuffers.Slot slot = buffers.take(watch);
                slot.offset = offset;
                int n = fill(image, prefix, slot);
                if (n == 0) {
                    slot.release();
                } else {
                    if (limit >= 0 && offset + n > limit) {
                        throw new CardException("the image is larger than the target (" + limit + " bytes): nothing more written");
                    }
                    boolean injectNow = midStream != null && laidOver == null && offset + n >= midStream.end();
                    NavigableMap<Long, byte[]> sectors = midStream != null ? laidOver : changes.at(offset);
                    if (sectors == null) {
                        midStream.spill(slot.data(), offset);
                    } else if (!sectors.subMap(offset, offset + n).isEmpty()) {
                        slot = overlaidCopy(sectors, slot, buffers.take(watch));
                    }
                    full.add(Chunk.of(slot, false));
                    offset += n;
                    end = Math.max(end, offset);
                    if (injectNow) {
                        laidOver = midStream.inject();
                        rewriteChanged(laidOver, midStream, offset, full, buffers, watch);
                    }
                }
                if (n < CHUNK) {
                    if (start == 0 || stop >= 0) {
                        break;
                    }
                    stop = start;
                    offset = 0;
                    image.seek(0);
                }
            }
            if (midStream != null && laidOver == null) {
                throw new CardException("the image ends before its boot partition does");
            }
            full.add(Chunk.END);
            int[] checksums = BackgroundWork.result(writer);
            // The partition table goes on only once the whole image is known to be the one the inventory names.
            image.finish();
            sink.writeFirstChunk();
            sink.finishFile(end);
            return new Written(end, sink.holes, checksums, (System.nanoTime() - started) / 1e9);
        } catch (IOException e) {
            throw new CardException("writing " + target + " failed: " + e.getMessage(), e);
        } finally {
            thread.shutdownNow();
        }
    }

    /** Reads the written range back, past the page cache where the target allows, and compares every chunk. */
    public static double verify(Path target, Written written, Progress.Step step) throws CardException {
        long started = System.nanoTime();
        CRC32C crc = new CRC32C();
        try (Channels channels = Channels.open(target, StandardOpenOption.READ)) {
            ByteBuffer buffer = ChunkBuffers.aligned(channels.alignment);
            long offset = 0;
            while (offset < written.bytes()) {
                int n = (int) Math.min(CHUNK, written.bytes() - offset);
                buffer.clear().limit(n);
                if (!FileReads.readFully(channels.forLength(n), buffer, offset)) {
                    throw new CardException(target + " ends at byte " + (offset + buffer.position())
                            + " on read-back, " + written.bytes() + " were written");
                }
                crc.reset();
                crc.update(buffer.flip());
                int chunk = (int) (offset / CHUNK);
                if ((int) crc.getValue() != written.checksums()[chunk]) {
                    throw new CardException("verify FAILED: " + target + " reads back different from what was written in"
                            + " the chunk at byte " + offset + " (" + n + " bytes): the card or reader is faulty");
                }
                offset += n;
                step.advance(n);
            }
        } catch (IOException e) {
            throw new CardException("reading " + target + " back failed: " + e.getMessage(), e);
        }
        return (System.nanoTime() - started) / 1e9;
    }

    /** Fills a slot with the chunk at its offset: the spilled head's bytes first, then the stream's. */
    private static int fill(ImageStream image, Prefix prefix, ChunkBuffers.Slot slot) throws CardException {
        if (slot.offset >= prefix.length()) {
            return image.read(slot);
        }
        ByteBuffer into = slot.buffer();
        into.limit((int) Math.min(CHUNK, prefix.length() - slot.offset));
        try {
            if (!FileReads.readFully(prefix.file(), into, slot.offset)) {
                throw new CardException("the spilled image head ended early");
            }
        } catch (IOException e) {
            throw new CardException("cannot read the spilled image head: " + e.getMessage(), e);
        }
        into.limit(CHUNK);
        return into.position() + image.read(slot);
    }

    /**
     * The chunk with the changed sectors laid over it, in a buffer of its own: the image check may still be
     * hashing the original.
     */
    private static ChunkBuffers.Slot overlaidCopy(NavigableMap<Long, byte[]> changes, ChunkBuffers.Slot original,
            ChunkBuffers.Slot copy) {
        copy.offset = original.offset;
        copy.length = original.length;
        copy.buffer().put(original.data());
        original.release();
        overlay(changes, copy.buffer(), copy.offset, copy.length);
        return copy;
    }

    /** Lays changed sectors over the chunk at {@code offset}; sectors never straddle chunks. */
    private static void overlay(NavigableMap<Long, byte[]> changes, ByteBuffer buffer, long offset, int length) {
        for (Map.Entry<Long, byte[]> e : changes.subMap(offset, true, offset + length, false).entrySet()) {
            byte[] sector = e.getValue();
            buffer.put((int) (e.getKey() - offset), sector, 0, Math.min(sector.length, (int) (offset + length - e.getKey())));
        }
    }

    /** Sends again every chunk below {@code written} that the seed changed, rebuilt from the spill. */
    private static void rewriteChanged(NavigableMap<Long, byte[]> changes, MidStreamInjection midStream, long written,
            BlockingQueue<Chunk> full, ChunkBuffers buffers, ChunkBuffers.Watch watch) throws CardException {
        java.util.Set<Long> chunks = new java.util.TreeSet<>();
        changes.headMap(written).keySet().forEach(offset -> chunks.add(offset - offset % CHUNK));
        for (long chunkOffset : chunks) {
            ChunkBuffers.Slot slot = buffers.take(watch);
            slot.offset = chunkOffset;
            slot.length = (int) Math.min(CHUNK, written - chunkOffset);
            midStream.readSpill(chunkOffset, slot.buffer().limit(slot.length));
            overlay(changes, slot.buffer(), chunkOffset, slot.length);
            full.add(Chunk.of(slot, true));
        }
    }

    /** Throws what stopped the writer, if it has stopped before being told to. */
    private static void stoppedEarly(Future<int[]> writer) throws CardException {
        if (writer.isDone()) {
            BackgroundWork.result(writer);
            throw new CardException("the writer stopped early");
        }
    }

    /**
     * A direct-I/O channel for aligned whole chunks where the file system or device allows one, and a
     * plain channel for the rest (a short last chunk, or targets such as tmpfs that refuse O_DIRECT).
     */
    private static final class Channels implements AutoCloseable {
        final FileChannel plain;
        final FileChannel direct;
        final int alignment;

        private Channels(FileChannel plain, FileChannel direct, int alignment) {
            this.plain = plain;
            this.direct = direct;
            this.alignment = alignment;
        }

        static Channels open(Path path, OpenOption... options) throws IOException {
            FileChannel plain = FileChannel.open(path, options);
            List<OpenOption> directOptions = new ArrayList<>(List.of(options));
            directOptions.remove(StandardOpenOption.CREATE);
            directOptions.remove(StandardOpenOption.TRUNCATE_EXISTING);
            directOptions.add(ExtendedOpenOption.DIRECT);
            FileChannel direct = null;
            int alignment = 4096;
            try {
                alignment = Math.max(alignment, (int) Files.getFileStore(path).getBlockSize());
                direct = FileChannel.open(path, directOptions.toArray(OpenOption[]::new));
            } catch (IOException | UnsupportedOperationException e) {
                // No O_DIRECT here (tmpfs, some FUSE file systems): the page cache path still works.
            }
            return new Channels(plain, direct, alignment);
        }

        FileChannel forLength(int length) {
            return direct != null && length % alignment == 0 ? direct : plain;
        }

        @Override
        public void close() throws IOException {
            try (plain) {
                if (direct != null) {
                    direct.close();
                }
            }
        }
    }

    /**
     * The writing end: writes chunks as they come, keeping their checksums, and writes the first one last. In
     * a file it skips chunks of zeros: the file starts empty, so what is never written reads as zeros.
     */
    private static final class Sink implements AutoCloseable {
        private final Channels channels;
        private final boolean file;
        private final java.util.List<Integer> checksums = new ArrayList<>();
        private ChunkBuffers.Slot first;
        /** Written by the writer thread, read once it has finished. */
        private long holes;

        private Sink(Channels channels, boolean file) {
            this.channels = channels;
            this.file = file;
        }

        static Sink open(Path target, boolean file) throws IOException {
            OpenOption[] options = file
                    ? new OpenOption[] {StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING}
                    : new OpenOption[] {StandardOpenOption.CREATE, StandardOpenOption.WRITE};
            return new Sink(Channels.open(target, options), file);
        }

        int[] drain(BlockingQueue<Chunk> full, Progress.Step step) throws IOException, InterruptedException {
            while (true) {
                Chunk chunk = full.take();
                if (chunk == Chunk.END) {
                    break;
                }
                ChunkBuffers.Slot slot = chunk.slot();
                int index = (int) (slot.offset / CHUNK);
                while (checksums.size() <= index) {
                    checksums.add(null);
                }
                checksums.set(index, chunk.checksum());
                if (!chunk.again()) {
                    step.advance(slot.length);
                }
                if (slot.offset == 0) {
                    if (first != null) {
                        first.release();
                    }
                    first = slot;
                } else if (file && chunk.zero()) {
                    holes += slot.length;
                    slot.release();
                } else {
                    writeAt(slot);
                    slot.release();
                }
            }
            force();
            return checksums.stream().mapToInt(Integer::intValue).toArray();
        }

        void writeFirstChunk() throws IOException {
            if (first != null) {
                writeAt(first);
                force();
            }
        }

        private void writeAt(ChunkBuffers.Slot slot) throws IOException {
            ByteBuffer data = slot.data();
            FileChannel channel = channels.forLength(slot.length);
            while (data.hasRemaining()) {
                channel.write(data, slot.offset + data.position());
            }
        }

        private void force() throws IOException {
            if (channels.direct != null) {
                channels.direct.force(true);
            }
            channels.plain.force(true);
        }

        /** A file target ends where the image ends, as dd leaves it, even when its last chunks are holes. */
        void finishFile(long length) throws IOException {
            if (file && channels.plain.size() < length) {
                // One zero byte at the end: FileChannel can shorten a file but not lengthen it.
                channels.plain.write(ByteBuffer.allocate(1), length - 1);
                channels.plain.force(true);
            }
        }

        @Override
        public void close() throws IOException {
            channels.close();
        }
    }
}
