package dev.metis.tftp;

import static org.assertj.core.api.Assertions.assertThat;

import dev.metis.files.SafePath;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileCacheTest {

    @TempDir
    Path dir;

    /** As the TFTP root hands files over: resolved, with the attributes they have now. */
    private SafePath.Resolved resolved(Path file) throws Exception {
        return SafePath.resolve(dir, file.getFileName().toString()).orElseThrow();
    }

    private static String read(TftpSource source) throws Exception {
        ByteBuffer bytes = ByteBuffer.allocate((int) source.size());
        source.read(0, bytes);
        return new String(bytes.array());
    }

    @Test
    void aChangedFileIsReadAgainAndTheStaleCopyDropped() throws Exception {
        FileCache cache = new FileCache(100, 1000);
        Path file = dir.resolve("ipxe.efi");
        Files.writeString(file, "first");
        assertThat(read(cache.open(resolved(file)))).isEqualTo("first");
        Files.writeString(file, "second!");
        Files.setLastModifiedTime(file, FileTime.fromMillis(System.currentTimeMillis() + 5000));
        assertThat(read(cache.open(resolved(file)))).isEqualTo("second!");
        assertThat(cache.cachedBytes()).isEqualTo(7);
    }

    @Test
    void theTotalStaysWithinItsBoundAndLargeFilesAreNotCached() throws Exception {
        FileCache cache = new FileCache(100, 250);
        for (int i = 0; i < 5; i++) {
            Path file = dir.resolve("f" + i);
            Files.write(file, new byte[100]);
            cache.open(resolved(file));
        }
        assertThat(cache.cachedBytes()).isLessThanOrEqualTo(250);
        Path big = dir.resolve("big");
        Files.write(big, new byte[101]);
        assertThat(cache.open(resolved(big)).size()).isEqualTo(101);
        assertThat(cache.cachedBytes()).isLessThanOrEqualTo(250);
    }
}
