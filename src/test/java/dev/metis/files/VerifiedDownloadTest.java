package dev.metis.files;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.metis.testing.Mirror;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A download is put in place whole and with the expected hash, or not at all; nothing temporary is left. */
class VerifiedDownloadTest {

    private static final byte[] KERNEL = "a kernel, as a mirror serves it".getBytes(StandardCharsets.UTF_8);

    @TempDir
    Path dir;
    private Mirror mirror;

    @BeforeEach
    void startMirror() throws Exception {
        mirror = Mirror.start().serve("/linux", KERNEL);
    }

    @AfterEach
    void stopMirror() {
        mirror.close();
    }

    private URI url(String path) {
        return URI.create(mirror.url(path));
    }

    @Test
    void theRightBytesArePutInPlace() throws Exception {
        Path target = dir.resolve("cache").resolve(Sha256.hex(KERNEL));
        long[] seen = new long[2];
        VerifiedDownload.fetch(url("/linux"), Sha256.hex(KERNEL), target, Duration.ofSeconds(5), new VerifiedDownload.Progress() {
            @Override
            public void started(long length) {
                seen[0] = length;
            }

            @Override
            public void advanced(int bytes) {
                seen[1] += bytes;
            }
        });
        assertThat(target).hasBinaryContent(KERNEL);
        assertThat(seen).containsExactly(KERNEL.length, KERNEL.length);
        assertThat(leftovers()).isEmpty();
    }

    @Test
    void bytesWithAnotherHashAreNotPutInPlace() throws Exception {
        Path target = dir.resolve("0".repeat(64));
        assertThatThrownBy(() -> VerifiedDownload.fetch(url("/linux"), "0".repeat(64), target, Duration.ofSeconds(5),
                VerifiedDownload.Progress.NONE))
                .isInstanceOfSatisfying(VerifiedDownload.HashMismatch.class,
                        e -> assertThat(e.actual()).isEqualTo(Sha256.hex(KERNEL)));
        assertThat(target).doesNotExist();
        assertThat(leftovers()).isEmpty();
    }

    @Test
    void anAnswerOtherThan200IsAFailureThatSaysSo() throws Exception {
        Path target = dir.resolve(Sha256.hex(KERNEL));
        assertThatThrownBy(() -> VerifiedDownload.fetch(url("/no-such-file"), Sha256.hex(KERNEL), target,
                Duration.ofSeconds(5), VerifiedDownload.Progress.NONE))
                .isInstanceOfSatisfying(VerifiedDownload.Refused.class,
                        e -> assertThat(VerifiedDownload.describe(e)).isEqualTo("HTTP 404"));
        assertThat(target).doesNotExist();
        assertThat(leftovers()).isEmpty();
    }

    private List<Path> leftovers() throws Exception {
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(p -> p.getFileName().toString().endsWith(".part")).toList();
        }
    }
}
