package dev.metis.tftp;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TftpSourceTest {

    @TempDir
    Path dir;

    private static byte[] read(TftpSource source, long position, int length) throws Exception {
        ByteBuffer into = ByteBuffer.allocate(length + 2).position(1).limit(1 + length);
        int n = source.read(position, into);
        assertThat(into.position()).isEqualTo(1 + n);
        return Arrays.copyOfRange(into.array(), 1, 1 + n);
    }

    @Test
    void aFileReadsTheSameAcrossChunksBackwardsAndAtItsEnd() throws Exception {
        byte[] content = new byte[3 * TftpSource.READ_AHEAD_BYTES + 1234];
        new Random(7).nextBytes(content);
        Path file = Files.write(dir.resolve("big.bin"), content);

        try (TftpSource source = TftpSource.open(file)) {
            assertThat(source.size()).isEqualTo(content.length);
            int block = 1468;
            for (long at = 0; at < content.length; at += block) {
                int expected = (int) Math.min(block, content.length - at);
                assertThat(read(source, at, block)).isEqualTo(Arrays.copyOfRange(content, (int) at, (int) at + expected));
            }
            long straddling = TftpSource.READ_AHEAD_BYTES - 100;
            assertThat(read(source, straddling, 1000))
                    .isEqualTo(Arrays.copyOfRange(content, (int) straddling, (int) straddling + 1000));
            assertThat(read(source, 5, 10)).isEqualTo(Arrays.copyOfRange(content, 5, 15)); // a retransmission from the start
            assertThat(read(source, content.length, 512)).isEmpty();
        }
    }

    @Test
    void aFileThatShrinksWhileOpenReadsShort() throws Exception {
        byte[] content = new byte[2 * TftpSource.READ_AHEAD_BYTES];
        Path file = Files.write(dir.resolve("shrinking.bin"), content);

        try (TftpSource source = TftpSource.open(file)) {
            try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
                channel.truncate(1000);
            }
            assertThat(read(source, 512, 1468)).hasSize(488);
            assertThat(read(source, TftpSource.READ_AHEAD_BYTES, 1468)).isEmpty();
        }
    }
}
