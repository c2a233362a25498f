package dev.metis.card.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.metis.files.Sha256;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The image check by whole file and by chunk manifest: what it trusts, what it catches, what it rewrites. */
class ImageCheckTest {

    private static final int CHUNK = ChunkBuffers.CHUNK;

    @TempDir
    Path dir;
    Path cache;
    Path image;
    GoldenImages.Source source;

    /** Three chunks and a bit: random, zeros (free space), random, a short random tail. */
    @BeforeEach
    void image() throws Exception {
        byte[] bytes = new byte[3 * CHUNK + 12345];
        Random random = new Random(7);
        byte[] part = new byte[CHUNK + 12345];
        random.nextBytes(part);
        System.arraycopy(part, 0, bytes, 0, CHUNK);
        random.nextBytes(part);
        System.arraycopy(part, 0, bytes, 2 * CHUNK, part.length);
        image = dir.resolve("golden.img");
        Files.write(image, bytes);
        cache = dir.resolve("cache");
        source = new GoldenImages.Source("n1", image.toString(), Sha256.hex(bytes), image, null);
    }

    private void check() throws CardException {
        try (ImageCheck check = ImageCheck.start(source, cache)) {
            check.readAll(null);
            check.finish();
        }
    }

    private boolean byChunks() {
        try (ImageCheck check = ImageCheck.start(source, cache)) {
            return check.byChunks();
        }
    }

    private Path manifest() {
        return ChunkManifest.file(cache, source.sha256());
    }

    private void flipByteAt(long offset) throws Exception {
        try (RandomAccessFile file = new RandomAccessFile(image.toFile(), "rw")) {
            file.seek(offset);
            int b = file.read();
            file.seek(offset);
            file.write(b ^ 0x01);
        }
    }

    @Test
    void theFirstWholeFileCheckLeavesAManifestThatLaterChecksUse() throws Exception {
        assertThat(byChunks()).isFalse();
        check();
        List<String> lines = Files.readAllLines(manifest());
        assertThat(lines.get(0)).isEqualTo("metis-chunks 2");
        assertThat(lines.get(4)).as("a raw image has no stream to record").isEqualTo("stream unchecked");
        assertThat(lines.subList(5, 9)).as("one line per chunk, zeros named as such")
                .satisfies(chunks -> assertThat(chunks.get(1)).isEqualTo(ChunkManifest.ZERO))
                .allSatisfy(chunk -> assertThat(chunk).matches("zero|[0-9a-f]{64}"));
        assertThat(Files.getPosixFilePermissions(manifest())).isEqualTo(PosixFilePermissions.fromString("rw-r--r--"));
        assertThat(byChunks()).isTrue();
        check();
    }

    @Test
    void aChangedChunkFailsTheCheckNamingIt() throws Exception {
        check();
        flipByteAt(2L * CHUNK + 99);
        assertThatThrownBy(this::check).isInstanceOf(CardException.class)
                .hasMessageContaining("differs in its chunk at byte " + 2L * CHUNK)
                .hasMessageContaining("refusing to use it");
    }

    @Test
    void aZeroChunkThatIsNoLongerZeroFailsTheCheck() throws Exception {
        check();
        flipByteAt(CHUNK + CHUNK / 2);
        assertThatThrownBy(this::check).hasMessageContaining("differs in its chunk at byte " + CHUNK);
    }

    @Test
    void aTruncatedOrLongerFileFailsTheCheck() throws Exception {
        check();
        byte[] bytes = Files.readAllBytes(image);
        Files.write(image, java.util.Arrays.copyOf(bytes, bytes.length - 1));
        assertThatThrownBy(this::check).hasMessageContaining("has " + (bytes.length - 1) + " bytes, not the " + bytes.length);
        Files.write(image, java.util.Arrays.copyOf(bytes, bytes.length + 1));
        assertThatThrownBy(this::check).hasMessageContaining("has " + (bytes.length + 1) + " bytes, not the " + bytes.length);
    }

    @Test
    void aDamagedManifestIsIgnoredAndRewrittenByTheWholeFileCheck() throws Exception {
        check();
        String good = Files.readString(manifest());
        Files.writeString(manifest(), good.replaceFirst("(?m)^zero$", "0".repeat(64)));
        assertThat(byChunks()).as("its own checksum no longer matches").isFalse();
        check();
        assertThat(Files.readString(manifest())).isEqualTo(good);

        Files.writeString(manifest(), good.substring(0, good.length() / 2));
        assertThat(byChunks()).as("cut short").isFalse();
        Files.delete(manifest());
        assertThat(byChunks()).as("missing").isFalse();
        check();
        assertThat(Files.readString(manifest())).isEqualTo(good);
    }

    @Test
    void aManifestOthersCouldHaveWrittenIsNotTrusted() throws Exception {
        check();
        Files.setPosixFilePermissions(manifest(), PosixFilePermissions.fromString("rw-rw-r--"));
        assertThat(byChunks()).isFalse();
        check();
        assertThat(byChunks()).as("rewritten with the user's own permissions").isTrue();
    }

    @Test
    void aWrongImageFailsTheWholeFileCheckAndLeavesNoManifest() throws Exception {
        flipByteAt(5);
        assertThatThrownBy(this::check).hasMessageContaining("has SHA-256").hasMessageContaining("refusing to use it");
        assertThat(manifest()).doesNotExist();
    }
}
