package dev.metis.card.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ChunkBuffersTest {

    private static final int CHUNK = ChunkBuffers.CHUNK;

    @TempDir
    Path dir;

    @Test
    void chunksOfAFileAreMappedInPlaceToItsEnd() throws Exception {
        byte[] bytes = new byte[CHUNK + 1000];
        new Random(11).nextBytes(bytes);
        Path file = dir.resolve("golden.img");
        Files.write(file, bytes);
        ChunkBuffers buffers = new ChunkBuffers(2, 4096);
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            ChunkBuffers.Slot first = buffers.take(() -> { });
            assertThat(first.map(channel, 0)).isEqualTo(CHUNK);
            ChunkBuffers.Slot tail = buffers.take(() -> { });
            assertThat(tail.map(channel, CHUNK)).isEqualTo(1000);
            assertThat(bytesOf(first.data())).isEqualTo(Arrays.copyOf(bytes, CHUNK));
            assertThat(bytesOf(tail.data())).isEqualTo(Arrays.copyOfRange(bytes, CHUNK, bytes.length));
            assertThat(tail.offset).isEqualTo(CHUNK);
            first.release();
            ChunkBuffers.Slot end = buffers.take(() -> { });
            assertThat(end.map(channel, CHUNK + 1000)).isZero();
            assertThat(end.data().remaining()).isZero();
        }
    }

    @Test
    void aFileCutShortOnceMappedIsAnErrorNotAFault() throws Exception {
        Path file = dir.resolve("golden.img");
        Files.write(file, new byte[CHUNK]);
        ChunkBuffers.Slot slot = new ChunkBuffers(1, 4096).take(() -> { });
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ);
                FileChannel cutting = FileChannel.open(file, StandardOpenOption.WRITE)) {
            FileChannel cutOnceMapped = new CutOnceMapped(channel, cutting);
            assertThatThrownBy(() -> slot.map(cutOnceMapped, 0)).isInstanceOf(IOException.class)
                    .hasMessageContaining("cut short");
        }
    }

    @Test
    void aChunkIsUnmappedWhenItsLastReaderLetsGo() throws Exception {
        Path file = dir.resolve("golden.img");
        Files.write(file, new byte[2 * CHUNK]);
        ChunkBuffers buffers = new ChunkBuffers(2, 4096);
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            ChunkBuffers.Slot first = buffers.take(() -> { });
            first.map(channel, 0);
            ChunkBuffers.Slot second = buffers.take(() -> { });
            second.map(channel, CHUNK);
            assertThat(mappingsOf(file)).isEqualTo(2);
            first.retain();
            first.release();
            assertThat(mappingsOf(file)).as("still held by a second reader").isEqualTo(2);
            first.release();
            assertThat(mappingsOf(file)).isEqualTo(1);
            second.release();
            assertThat(mappingsOf(file)).isZero();
        }
    }

    /** Lines of this process's memory map that map {@code file}. */
    private static long mappingsOf(Path file) throws IOException {
        String name = file.toRealPath().toString();
        return Files.readAllLines(Path.of("/proc/self/maps")).stream().filter(line -> line.endsWith(name)).count();
    }

    private static byte[] bytesOf(ByteBuffer data) {
        byte[] bytes = new byte[data.remaining()];
        data.get(bytes);
        return bytes;
    }

    /** A file that another process cuts to nothing just after it is mapped. */
    private static final class CutOnceMapped extends FileChannel {
        private final FileChannel file;
        private final FileChannel cutting;

        CutOnceMapped(FileChannel file, FileChannel cutting) {
            this.file = file;
            this.cutting = cutting;
        }

        @Override
        public MappedByteBuffer map(MapMode mode, long position, long size) throws IOException {
            MappedByteBuffer mapped = file.map(mode, position, size);
            cutting.truncate(0);
            return mapped;
        }

        @Override
        public long size() throws IOException {
            return file.size();
        }

        @Override
        public int read(ByteBuffer dst) {
            throw new UnsupportedOperationException();
        }

        @Override
        public long read(ByteBuffer[] dsts, int offset, int length) {
            throw new UnsupportedOperationException();
        }

        @Override
        public int write(ByteBuffer src) {
            throw new UnsupportedOperationException();
        }

        @Override
        public long write(ByteBuffer[] srcs, int offset, int length) {
            throw new UnsupportedOperationException();
        }

        @Override
        public long position() {
            throw new UnsupportedOperationException();
        }

        @Override
        public FileChannel position(long newPosition) {
            throw new UnsupportedOperationException();
        }

        @Override
        public FileChannel truncate(long size) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void force(boolean metaData) {
            throw new UnsupportedOperationException();
        }

        @Override
        public long transferTo(long position, long count, WritableByteChannel target) {
            throw new UnsupportedOperationException();
        }

        @Override
        public long transferFrom(ReadableByteChannel src, long position, long count) {
            throw new UnsupportedOperationException();
        }

        @Override
        public int read(ByteBuffer dst, long position) {
            throw new UnsupportedOperationException();
        }

        @Override
        public int write(ByteBuffer src, long position) {
            throw new UnsupportedOperationException();
        }

        @Override
        public FileLock lock(long position, long size, boolean shared) {
            throw new UnsupportedOperationException();
        }

        @Override
        public FileLock tryLock(long position, long size, boolean shared) {
            throw new UnsupportedOperationException();
        }

        @Override
        protected void implCloseChannel() {
        }
    }
}
