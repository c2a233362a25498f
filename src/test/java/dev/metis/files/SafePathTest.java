package dev.metis.files;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafePathTest {

    @TempDir
    Path tmp;
    private Path root;

    @BeforeEach
    void files() throws Exception {
        root = Files.createDirectories(tmp.resolve("root"));
        Files.createDirectories(root.resolve("pi/firmware"));
        Files.writeString(root.resolve("ipxe.efi"), "ipxe");
        Files.writeString(root.resolve("pi/firmware/start4.elf"), "start4");
        Files.writeString(tmp.resolve("secret"), "outside the root");
    }

    @Test
    void aFileUnderTheRootIsServedWithItsAttributes() throws Exception {
        SafePath.Resolved file = SafePath.resolve(root, "pi/firmware/start4.elf").orElseThrow();

        assertThat(file.path()).isEqualTo(root.toRealPath().resolve("pi/firmware/start4.elf"));
        assertThat(file.attributes().size()).isEqualTo(6);
        assertThat(file.attributes().isRegularFile()).isTrue();
    }

    @Test
    void leadingAndDoubledSlashesAndDotsAreTolerated() throws Exception {
        assertThat(SafePath.resolve(root, "/ipxe.efi")).isPresent();
        assertThat(SafePath.resolve(root, "//pi//firmware/./start4.elf")).isPresent();
    }

    @Test
    void parentSegmentsBackslashesAndNulAreRefused() throws Exception {
        assertThat(SafePath.resolve(root, "pi/../ipxe.efi")).isEmpty();
        assertThat(SafePath.resolve(root, "../secret")).isEmpty();
        assertThat(SafePath.resolve(root, "pi\\firmware\\start4.elf")).isEmpty();
        assertThat(SafePath.resolve(root, "ipxe.efi\0.png")).isEmpty();
    }

    @Test
    void nothingButARegularFileIsServed() throws Exception {
        assertThat(SafePath.resolve(root, "")).isEmpty();
        assertThat(SafePath.resolve(root, "/")).isEmpty();
        assertThat(SafePath.resolve(root, "pi/firmware")).isEmpty();
        assertThat(SafePath.resolve(root, "missing.efi")).isEmpty();
    }

    @Test
    void aMissingRootOrOneThatIsAFileServesNothing() throws Exception {
        assertThat(SafePath.resolve(tmp.resolve("not-made-yet"), "ipxe.efi")).isEmpty();
        assertThat(SafePath.resolve(tmp.resolve("secret"), "ipxe.efi")).isEmpty();
    }

    @Test
    void aSymlinkMayPointWithinTheRootButNotOutOfIt() throws Exception {
        Files.createSymbolicLink(root.resolve("snponly.efi"), root.resolve("ipxe.efi"));
        Files.createSymbolicLink(root.resolve("escape"), tmp.resolve("secret"));
        Files.createSymbolicLink(root.resolve("outside"), tmp);
        Files.createSymbolicLink(root.resolve("dangling"), root.resolve("nowhere"));

        assertThat(SafePath.resolve(root, "snponly.efi").orElseThrow().path())
                .isEqualTo(root.toRealPath().resolve("ipxe.efi"));
        assertThat(SafePath.resolve(root, "escape")).isEmpty();
        assertThat(SafePath.resolve(root, "outside/secret")).isEmpty();
        assertThat(SafePath.resolve(root, "dangling")).isEmpty();
    }

    @Test
    void aRootReachedThroughASymlinkStillConfines() throws Exception {
        Path linkedRoot = Files.createSymbolicLink(tmp.resolve("linked"), root);

        assertThat(SafePath.resolve(linkedRoot, "ipxe.efi")).isPresent();
        assertThat(SafePath.resolve(linkedRoot, "../secret")).isEmpty();
    }
}
