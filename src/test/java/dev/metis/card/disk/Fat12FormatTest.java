package dev.metis.card.disk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.metis.testing.ExternalTool;
import java.io.RandomAccessFile;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A FAT12 made over zeros, as a seed partition's is: the real tools read it as mkfs.fat's own. */
class Fat12FormatTest {

    private static final LocalDateTime STAMP = LocalDateTime.of(1980, 1, 1, 0, 0);

    @TempDir
    Path dir;

    /** Formats a zeroed file of {@code sectors} sectors through an overlay and writes the changes into it. */
    private Path formatted(int sectors, Map<String, byte[]> files) throws Exception {
        Path volume = dir.resolve("seed.fat");
        Files.write(volume, new byte[sectors * 512]);
        try (FileChannel channel = FileChannel.open(volume, StandardOpenOption.READ)) {
            Overlay overlay = new Overlay(channel, 0, channel.size());
            Fat12Format.format(overlay, 40, 0x1234abcd, "CIDATA", STAMP);
            FatVolume fat = FatVolume.open(overlay, Clock.fixed(Instant.EPOCH, ZoneOffset.UTC));
            for (Map.Entry<String, byte[]> file : files.entrySet()) {
                fat.write(file.getKey(), file.getValue());
            }
            fat.flush();
            apply(volume, overlay);
        }
        return volume;
    }

    static void apply(Path file, Overlay overlay) throws Exception {
        try (RandomAccessFile out = new RandomAccessFile(file.toFile(), "rw")) {
            for (Map.Entry<Long, byte[]> sector : overlay.changesInImage().entrySet()) {
                out.seek(sector.getKey());
                out.write(sector.getValue());
            }
        }
    }

    @Test
    void blkidFsckAndMtoolsReadItAsALabelledFat12() throws Exception {
        byte[] userData = "#cloud-config\nhostname: n1\n".repeat(100).getBytes(StandardCharsets.UTF_8);
        Path volume = formatted(2008, Map.of("user-data", userData, "meta-data", "instance-id: i-1\n".getBytes(StandardCharsets.UTF_8)));

        String blkid = ExternalTool.runSuccessfully(dir, ExternalTool.require("blkid").toString(), "-p", volume.toString()).output();
        assertThat(blkid).contains("LABEL=\"CIDATA\"", "TYPE=\"vfat\"", "VERSION=\"FAT12\"", "UUID=\"1234-ABCD\"");
        ExternalTool.Result fsck = ExternalTool.run(dir, ExternalTool.require("fsck.fat").toString(), "-n", volume.toString());
        assertThat(fsck.exitCode()).as(fsck.all()).isZero();
        Path copy = dir.resolve("user-data.copy");
        ExternalTool.runSuccessfully(dir, ExternalTool.require("mcopy").toString(), "-n", "-i", volume.toString(),
                "::user-data", copy.toString());
        assertThat(copy).hasBinaryContent(userData);
        try (FileChannel channel = FileChannel.open(volume, StandardOpenOption.READ)) {
            FatVolume fat = FatVolume.open(new Overlay(channel, 0, channel.size()));
            assertThat(fat.type()).isEqualTo("FAT12");
            assertThat(fat.label()).isEqualTo("CIDATA");
            assertThat(fat.files()).containsOnlyKeys("user-data", "meta-data");
        }
    }

    @Test
    void theSmallestVolumeHoldsOneClusterAndASmallerOneIsRefused() throws Exception {
        Path volume = formatted(Fat12Format.MIN_SECTORS, Map.of("a", new byte[512]));
        ExternalTool.Result fsck = ExternalTool.run(dir, ExternalTool.require("fsck.fat").toString(), "-n", volume.toString());
        assertThat(fsck.exitCode()).as(fsck.all()).isZero();
        assertThatThrownBy(() -> formatted(Fat12Format.MIN_SECTORS - 1, Map.of()))
                .hasMessageContaining("needs at least " + Fat12Format.MIN_SECTORS + " sectors");
    }
}
