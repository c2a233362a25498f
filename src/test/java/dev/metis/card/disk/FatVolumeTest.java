package dev.metis.card.disk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.metis.card.image.CardException;
import dev.metis.testing.ExternalTool;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A FAT32 boot partition made by mkfs.vfat and mtools, then damaged field by field as a crafted image would
 * be: each damage is refused with what is wrong, never an exception from deep inside (a negative array
 * size, a stack overflow, an allocation of gigabytes).
 */
class FatVolumeTest {

    private static final int SECTOR = 512;

    @TempDir
    Path dir;
    Path partition;

    @BeforeEach
    void partition() throws Exception {
        partition = dir.resolve("boot.fat");
        ExternalTool.runSuccessfully(dir, ExternalTool.require("mkfs.vfat").toString(), "-C", "-F", "32", "-n", "BOOT",
                partition.toString(), String.valueOf(40 * 1024));
        Path cmdline = dir.resolve("cmdline.txt");
        Files.writeString(cmdline, "console=tty1 root=LABEL=writable\n");
        String image = partition.toString();
        ExternalTool.runSuccessfully(dir, ExternalTool.require("mcopy").toString(), "-i", image, cmdline.toString(),
                "::cmdline.txt");
        ExternalTool.runSuccessfully(dir, ExternalTool.require("mmd").toString(), "-i", image, "::overlays");
    }

    private FatVolume open() throws Exception {
        FileChannel channel = FileChannel.open(partition, StandardOpenOption.READ);
        return FatVolume.open(new Overlay(channel, 0, channel.size()));
    }

    private ByteBuffer bootSector() throws Exception {
        return ByteBuffer.wrap(read(0, SECTOR)).order(ByteOrder.LITTLE_ENDIAN);
    }

    private byte[] read(long offset, int length) throws Exception {
        byte[] bytes = new byte[length];
        try (RandomAccessFile file = new RandomAccessFile(partition.toFile(), "r")) {
            file.seek(offset);
            file.readFully(bytes);
        }
        return bytes;
    }

    private void write(long offset, ByteBuffer bytes) throws Exception {
        try (RandomAccessFile file = new RandomAccessFile(partition.toFile(), "rw")) {
            file.seek(offset);
            file.write(bytes.array(), 0, bytes.limit());
        }
    }

    /** Where the root directory's entry for {@code name11} (8.3, padded) is in the partition. */
    private long rootEntry(String name11) throws Exception {
        ByteBuffer boot = bootSector();
        long reserved = boot.getShort(14) & 0xffff;
        long fatSectors = boot.getInt(36);
        long clusterSize = (long) SECTOR * (boot.get(13) & 0xff);
        long root = (reserved + boot.get(16) * fatSectors) * SECTOR + (boot.getInt(44) - 2) * clusterSize;
        byte[] slots = read(root, (int) clusterSize);
        String text = new String(slots, StandardCharsets.ISO_8859_1);
        for (int at = 0; at < slots.length; at += 32) {
            if (text.startsWith(name11, at)) {
                return root + at;
            }
        }
        throw new AssertionError(name11 + " not in the root directory");
    }

    @Test
    void theUndamagedVolumeReads() throws Exception {
        assertThat(open().files()).containsKey("cmdline.txt");
        assertThat(new String(open().read("cmdline.txt"), StandardCharsets.UTF_8)).startsWith("console=tty1");
    }

    @Test
    void aVolumeWithoutRoomForItsClustersIsRefused() throws Exception {
        ByteBuffer boot = bootSector();
        long firstData = (boot.getShort(14) & 0xffff) + boot.get(16) * (long) boot.getInt(36);
        // Three clusters short of its own FATs: once a negative array size ("writing failed: -1").
        write(0, boot.putInt(32, (int) (firstData - 3L * (boot.get(13) & 0xff))));
        assertThatThrownBy(this::open).isInstanceOf(CardException.class)
                .hasMessageStartingWith("the FAT file system is damaged: its reserved sectors, FATs and root directory")
                .hasMessageContaining("leave no room for a cluster");
    }

    @Test
    void aVolumeLargerThanItsPartitionIsRefused() throws Exception {
        ByteBuffer boot = bootSector();
        write(0, boot.putInt(32, 0x7fffffff));
        assertThatThrownBy(this::open).isInstanceOf(CardException.class)
                .hasMessage("the FAT file system is damaged: it claims " + 0x7fffffffL * SECTOR + " bytes, more than its "
                        + Files.size(partition) + "-byte partition");
    }

    @Test
    void aRootDirectoryOutsideTheClustersIsRefused() throws Exception {
        write(0, bootSector().putInt(44, 0x0ffffff0));
        assertThatThrownBy(this::open).isInstanceOf(CardException.class)
                .hasMessageContaining("its root directory starts at cluster " + 0x0ffffff0);
    }

    @Test
    void aDirectoryThatIsItsOwnAncestorIsRefused() throws Exception {
        long entry = rootEntry("OVERLAYS   ");
        int rootCluster = bootSector().getInt(44);
        ByteBuffer cluster = ByteBuffer.allocate(32).order(ByteOrder.LITTLE_ENDIAN);
        cluster.put(read(entry, 32)).putShort(20, (short) (rootCluster >>> 16)).putShort(26, (short) rootCluster);
        write(entry, cluster);
        FatVolume volume = open();
        assertThatThrownBy(volume::files).isInstanceOf(java.io.IOException.class)
                .hasMessageContaining("directory overlays/ is its own ancestor");
    }

    @Test
    void aFileClaimingMoreBytesThanTheVolumeHoldsIsRefused() throws Exception {
        long entry = rootEntry("CMDLINE TXT");
        ByteBuffer size = ByteBuffer.allocate(32).order(ByteOrder.LITTLE_ENDIAN);
        size.put(read(entry, 32)).putInt(28, 0xc0000000);
        write(entry, size);
        FatVolume volume = open();
        assertThatThrownBy(() -> volume.read("cmdline.txt")).isInstanceOf(java.io.IOException.class)
                .hasMessage("cmdline.txt claims " + 0xc0000000L + " bytes, more than the file system holds");
    }
}
