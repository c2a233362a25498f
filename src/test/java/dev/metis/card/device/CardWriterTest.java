package dev.metis.card.device;

import static dev.metis.card.image.ChunkBuffers.CHUNK;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.metis.card.image.CardException;
import dev.metis.card.image.GoldenImages;
import dev.metis.card.image.ImageCheck;
import dev.metis.card.image.ImageStream;
import dev.metis.card.image.Progress;
import dev.metis.files.Sha256;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CardWriterTest {

    @TempDir
    Path dir;

    private Path golden(int size) throws Exception {
        byte[] bytes = new byte[size];
        new Random(3).nextBytes(bytes);
        Path file = dir.resolve("golden.img");
        Files.write(file, bytes);
        return file;
    }

    /** Changes already worked out, ending where their last sector does. */
    private static CardWriter.Changes known(NavigableMap<Long, byte[]> sectors) {
        return new CardWriter.Changes(sectors.isEmpty() ? 0 : sectors.lastKey() + sectors.lastEntry().getValue().length,
                CompletableFuture.completedFuture(sectors));
    }

    private GoldenImages.Source source(Path file) throws Exception {
        return new GoldenImages.Source("n1", file.toString(), Sha256.hex(Files.readAllBytes(file)), file, null);
    }

    /** The check {@code image} and {@code burn} make, by the chunk manifest in the cache once there is one. */
    private ImageCheck check(Path golden) throws Exception {
        return new GoldenImages(dir.resolve("cache")).check(source(golden));
    }

    /** Writes {@code golden} as {@code image} and {@code burn} do, checked against its hash as it streams. */
    private CardWriter.Written write(Path golden, CardWriter.Changes changes, CardWriter.MidStreamInjection midStream,
            Path target, long limit, boolean file) throws Exception {
        try (ImageStream stream = ImageStream.open(source(golden), check(golden))) {
            return CardWriter.write(stream, CardWriter.Prefix.NONE, changes, midStream, target, limit, file,
                    Progress.silent().start("write", -1));
        }
    }

    @Test
    void writesAnImageOfAnOddSizeWithItsChangesAndVerifiesIt() throws Exception {
        Path golden = golden(3 * CHUNK + 1000);
        TreeMap<Long, byte[]> changes = new TreeMap<>(Map.of(512L, new byte[512], (long) CHUNK + 1024, filled(512, 7)));
        Path target = dir.resolve("out.img");
        Files.write(target, new byte[5 * CHUNK]);
        CardWriter.Written written = write(golden, known(changes), null, target, -1, true);
        CardWriter.verify(target, written, Progress.silent().start("verify", -1));
        byte[] expected = Files.readAllBytes(golden);
        System.arraycopy(new byte[512], 0, expected, 512, 512);
        System.arraycopy(filled(512, 7), 0, expected, CHUNK + 1024, 512);
        assertThat(written.bytes()).isEqualTo(expected.length);
        assertThat(Files.readAllBytes(target)).as("the target ends where the image ends").isEqualTo(expected);
    }

    @Test
    void anImageCheckedByChunksIsWrittenFromPastItsChangesThenFromItsStartToTheSameBytes() throws Exception {
        Path golden = golden(4 * CHUNK + 1000);
        try (ImageCheck check = check(golden)) {
            check.readAll(null);
            check.finish();
        }
        TreeMap<Long, byte[]> changes = new TreeMap<>(Map.of(512L, filled(512, 3), (long) CHUNK + 1024, filled(512, 7)));
        Path target = dir.resolve("out.img");
        CardWriter.Written written;
        try (ImageStream stream = ImageStream.open(source(golden), check(golden))) {
            assertThat(stream.inAnyOrder()).as("the first check left a chunk manifest").isTrue();
            written = CardWriter.write(stream, CardWriter.Prefix.NONE, known(changes), null, target, -1,
                    true, Progress.silent().start("write", -1));
        }
        CardWriter.verify(target, written, Progress.silent().start("verify", -1));
        byte[] expected = Files.readAllBytes(golden);
        System.arraycopy(filled(512, 3), 0, expected, 512, 512);
        System.arraycopy(filled(512, 7), 0, expected, CHUNK + 1024, 512);
        assertThat(written.bytes()).isEqualTo(expected.length);
        assertThat(Files.readAllBytes(target)).isEqualTo(expected);
    }

    @Test
    void aFailedInjectionFailsTheWriteBeforeTheFirstChunkIsWritten() throws Exception {
        Path golden = golden(3 * CHUNK);
        try (ImageCheck check = check(golden)) {
            check.readAll(null);
            check.finish();
        }
        Path target = dir.resolve("out.img");
        CardWriter.Changes failing = new CardWriter.Changes(CHUNK + 512,
                CompletableFuture.failedFuture(new CardException("no room for the seed")));
        assertThatThrownBy(() -> write(golden, failing, null, target, -1, true)).hasMessage("no room for the seed");
        // The bulk may or may not have gone on before the failure was seen; the first chunk never does.
        byte[] written = Files.readAllBytes(target);
        int head = Math.min(written.length, CHUNK);
        assertThat(java.util.Arrays.copyOf(written, head)).as("the partition table never goes on").isEqualTo(new byte[head]);
    }

    @Test
    void aTargetThatReadsBackDifferentFailsTheVerifyNamingTheChunk() throws Exception {
        Path golden = golden(2 * CHUNK);
        Path target = dir.resolve("out.img");
        CardWriter.Written written = write(golden, known(new TreeMap<>()), null, target, -1, true);
        try (RandomAccessFile file = new RandomAccessFile(target.toFile(), "rw")) {
            file.seek(CHUNK + 17);
            file.write(file.read() ^ 0xff);
        }
        assertThatThrownBy(() -> CardWriter.verify(target, written, Progress.silent().start("verify", -1)))
                .hasMessageContaining("verify FAILED").hasMessageContaining("at byte " + CHUNK);
    }

    @Test
    void anImageLargerThanTheTargetStopsTheWrite() throws Exception {
        Path golden = golden(3 * CHUNK);
        assertThatThrownBy(() -> write(golden, known(new TreeMap<>()), null, dir.resolve("small.img"), 2 * CHUNK,
                false)).hasMessageContaining("larger than the target");
    }

    /** Random chunks 0 and 3, zeros elsewhere: chunks 1 and 2 and a short last chunk, as free space in an image. */
    private Path goldenWithZeros() throws Exception {
        byte[] bytes = new byte[4 * CHUNK + 1000];
        Random random = new Random(5);
        for (int chunk : new int[] {0, 3}) {
            byte[] data = new byte[CHUNK];
            random.nextBytes(data);
            System.arraycopy(data, 0, bytes, chunk * CHUNK, data.length);
        }
        Path file = dir.resolve("golden.img");
        Files.write(file, bytes);
        return file;
    }

    @Test
    void aFileIsWrittenFromEmptyWithItsChunksOfZerosLeftAsHoles() throws Exception {
        Path golden = goldenWithZeros();
        // A change in zero chunk 1 makes it data; zero chunk 2 and the zero tail are left as holes.
        TreeMap<Long, byte[]> changes = new TreeMap<>(Map.of((long) CHUNK + 1024, filled(512, 7)));
        Path target = dir.resolve("out.img");
        Files.write(target, filled(6 * CHUNK, 0xff));
        CardWriter.Written written = write(golden, known(changes), null, target, -1, true);
        CardWriter.verify(target, written, Progress.silent().start("verify", -1));
        byte[] expected = Files.readAllBytes(golden);
        System.arraycopy(filled(512, 7), 0, expected, CHUNK + 1024, 512);
        assertThat(written.holes()).isEqualTo(CHUNK + 1000);
        assertThat(Files.readAllBytes(target)).as("holes read as zeros, the old bytes are gone").isEqualTo(expected);
    }

    @Test
    void aChunkWrittenAgainAsZerosIsWrittenNotSkipped() throws Exception {
        // As a compressed image streams, its head goes on as read and again once the seed is in: here the
        // seed zeros the only data of chunk 1, which the first write put on the target.
        byte[] bytes = new byte[3 * CHUNK];
        new Random(7).nextBytes(bytes);
        java.util.Arrays.fill(bytes, CHUNK, 2 * CHUNK, (byte) 0);
        java.util.Arrays.fill(bytes, CHUNK + 512, CHUNK + 1024, (byte) 0x55);
        Path golden = dir.resolve("golden.img");
        Files.write(golden, bytes);
        CardWriter.MidStreamInjection zeroingSeed = keptHead(CHUNK + 1024, new TreeMap<>(Map.of((long) CHUNK + 512, new byte[512])));
        Path target = dir.resolve("out.img");
        CardWriter.Written written = write(golden, null, zeroingSeed, target, -1, true);
        CardWriter.verify(target, written, Progress.silent().start("verify", -1));
        java.util.Arrays.fill(bytes, CHUNK + 512, CHUNK + 1024, (byte) 0);
        assertThat(Files.readAllBytes(target)).isEqualTo(bytes);
    }

    @Test
    void changesPastTheKeptHeadAreLaidOverTheStreamWhereItReachesThem() throws Exception {
        // A seed partition's GPT: its partition and primary table in the head, its backup table in the last sectors.
        Path golden = golden(3 * CHUNK + 1024);
        long last = 3 * CHUNK + 512;
        CardWriter.MidStreamInjection seedPartition = keptHead(CHUNK / 2,
                new TreeMap<>(Map.of(512L, filled(512, 1), (long) CHUNK / 4, filled(512, 2), last, filled(512, 3))));
        Path target = dir.resolve("out.img");
        CardWriter.Written written = write(golden, null, seedPartition, target, -1, true);
        CardWriter.verify(target, written, Progress.silent().start("verify", -1));
        byte[] expected = Files.readAllBytes(golden);
        System.arraycopy(filled(512, 1), 0, expected, 512, 512);
        System.arraycopy(filled(512, 2), 0, expected, CHUNK / 4, 512);
        System.arraycopy(filled(512, 3), 0, expected, (int) last, 512);
        assertThat(Files.readAllBytes(target)).isEqualTo(expected);
    }

    /** A compressed image's injection as CardMaker makes it: the head kept as it streams, then {@code changes}. */
    private static CardWriter.MidStreamInjection keptHead(long end, NavigableMap<Long, byte[]> changes) {
        Map<Long, byte[]> spilled = new java.util.HashMap<>();
        return new CardWriter.MidStreamInjection() {
            @Override
            public long end() {
                return end;
            }

            @Override
            public void spill(java.nio.ByteBuffer data, long offset) {
                byte[] copy = new byte[data.remaining()];
                data.duplicate().get(copy);
                spilled.put(offset, copy);
            }

            @Override
            public void readSpill(long offset, java.nio.ByteBuffer into) {
                into.put(spilled.get(offset), 0, into.remaining());
            }

            @Override
            public NavigableMap<Long, byte[]> inject() {
                return changes;
            }
        };
    }

    @Test
    void aCardGetsEveryByteWrittenZerosToo() throws Exception {
        Path golden = goldenWithZeros();
        Path card = dir.resolve("card");
        Files.write(card, filled(5 * CHUNK, 0xff));
        CardWriter.Written written = write(golden, known(new TreeMap<>()), null, card, 5 * CHUNK, false);
        CardWriter.verify(card, written, Progress.silent().start("verify", -1));
        byte[] expected = Files.readAllBytes(golden);
        assertThat(written.holes()).isZero();
        assertThat(java.util.Arrays.copyOf(Files.readAllBytes(card), expected.length)).isEqualTo(expected);
    }

    private static byte[] filled(int length, int value) {
        byte[] bytes = new byte[length];
        java.util.Arrays.fill(bytes, (byte) value);
        return bytes;
    }
}
