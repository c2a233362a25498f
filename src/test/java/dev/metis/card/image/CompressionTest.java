package dev.metis.card.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.metis.testing.ExternalTool;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** gzip files made by the real gzip, whole, glued together, and damaged: only the whole ones decompress. */
class CompressionTest {

    @TempDir
    Path dir;
    byte[] plain;
    byte[] gzip;

    @BeforeEach
    void gzip() throws Exception {
        plain = new byte[3 << 20];
        Random random = new Random(11);
        for (int at = 0; at < plain.length; at += 4096) {
            // Compressible, but not trivially: random runs between repeats.
            byte[] run = new byte[1024];
            random.nextBytes(run);
            System.arraycopy(run, 0, plain, at, run.length);
        }
        Path file = dir.resolve("image.img");
        Files.write(file, plain);
        ExternalTool.runSuccessfully(dir, ExternalTool.require("gzip").toString(), "-k", "-n", "--name", file.toString());
        gzip = Files.readAllBytes(dir.resolve("image.img.gz"));
        assertThat(Compression.of(dir.resolve("image.img.gz"))).isEqualTo(Compression.GZIP);
    }

    private byte[] decompress(byte[] compressed) throws IOException {
        try (InputStream in = Compression.GZIP.decompress(new ByteArrayInputStream(compressed))) {
            return in.readAllBytes();
        }
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] both = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, both, a.length, b.length);
        return both;
    }

    @Test
    void aWholeGzipFileAndConcatenatedMembersDecompress() throws Exception {
        assertThat(decompress(gzip)).isEqualTo(plain);
        assertThat(decompress(concat(gzip, gzip))).as("members one after another, as cat a.gz b.gz")
                .isEqualTo(concat(plain, plain));
    }

    @Test
    void bytesAfterTheGzipStreamAreRefused() {
        for (byte[] trailing : new byte[][] {{0}, "garbage after the image".getBytes(), new byte[4096]}) {
            assertThatThrownBy(() -> decompress(concat(gzip, trailing))).isInstanceOf(IOException.class)
                    .hasMessage("the gzip stream ends at byte " + gzip.length + " of the file, but more bytes follow"
                            + " that are not another gzip member (trailing data)");
        }
    }

    @Test
    void aTruncatedOrCorruptGzipFileIsRefused() {
        assertThatThrownBy(() -> decompress(Arrays.copyOf(gzip, gzip.length / 2))).isInstanceOf(IOException.class)
                .hasMessageContaining("it is truncated");
        assertThatThrownBy(() -> decompress(Arrays.copyOf(gzip, gzip.length - 3))).isInstanceOf(IOException.class)
                .hasMessageContaining("inside a member's header or trailer");
        byte[] badCrc = gzip.clone();
        badCrc[badCrc.length - 8] ^= 1;
        assertThatThrownBy(() -> decompress(badCrc)).isInstanceOf(IOException.class)
                .hasMessageContaining("fails its CRC-32 or size check");
    }
}
