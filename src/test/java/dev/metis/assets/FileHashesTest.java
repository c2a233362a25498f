package dev.metis.assets;

import static org.assertj.core.api.Assertions.assertThat;

import dev.metis.files.Sha256;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A file is hashed again only when its size or modification time changed: a golden image is not read at every look. */
class FileHashesTest {

    @TempDir
    Path dir;

    @Test
    void aHashIsRememberedBySizeAndModificationTime() throws Exception {
        Path image = dir.resolve("image");
        Files.writeString(image, "first");
        FileTime stamp = FileTime.fromMillis(1_700_000_000_000L);
        Files.setLastModifiedTime(image, stamp);
        FileHashes hashes = new FileHashes();
        assertThat(hashes.known(image)).isEmpty();
        assertThat(hashes.of(image)).isEqualTo(sha("first"));

        // Same size and time: what was remembered, without reading the file (which is why a test can tell).
        Files.writeString(image, "other");
        Files.setLastModifiedTime(image, stamp);
        assertThat(hashes.of(image)).isEqualTo(sha("first"));
        assertThat(hashes.known(image)).contains(sha("first"));

        Files.setLastModifiedTime(image, FileTime.fromMillis(1_700_000_001_000L));
        assertThat(hashes.known(image)).isEmpty();
        assertThat(hashes.of(image)).isEqualTo(sha("other"));
        Files.writeString(image, "longer now");
        assertThat(hashes.known(image)).isEmpty();
        Files.delete(image);
        assertThat(hashes.known(image)).isEmpty();
    }

    private static String sha(String text) {
        return Sha256.hex(text.getBytes(StandardCharsets.UTF_8));
    }
}
