package dev.metis.card.disk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.UUID;
import java.util.zip.CRC32;
import org.junit.jupiter.api.Test;

class PartitionTableTest {

    private static final UUID BASIC_DATA = UUID.fromString("ebd0a0a2-b9e5-4433-87c0-68b6b72699c7");
    private static final UUID LINUX = UUID.fromString("0fc63daf-8483-4772-8e79-3d69d8477de4");

    @Test
    void readsMbrPrimaryPartitionsAndFindsTheFatOne() throws Exception {
        byte[] head = mbr(new int[] {0x0c, 8192, 524288}, new int[] {0x83, 532480, 1000000});
        PartitionTable table = PartitionTable.parse(head, 2_000_000L * 512);
        assertThat(table.scheme()).isEqualTo(PartitionTable.Scheme.MBR);
        assertThat(table.partitions()).hasSize(2);
        PartitionTable.Partition boot = table.firstFat().orElseThrow();
        assertThat(boot.number()).isEqualTo(1);
        assertThat(boot.offset()).isEqualTo(8192L * 512);
        assertThat(boot.length()).isEqualTo(524288L * 512);
    }

    @Test
    void mbrWithoutFatPartitionHasNoBootPartition() throws Exception {
        PartitionTable table = PartitionTable.parse(mbr(new int[] {0x83, 2048, 4096}), -1);
        assertThat(table.firstFat()).isEmpty();
    }

    @Test
    void readsGptEntriesBehindTheProtectiveMbr() throws Exception {
        byte[] head = gpt(new Object[] {BASIC_DATA, 8192L, 532479L, "bootfs"}, new Object[] {LINUX, 532480L, 999999L, "rootfs"});
        PartitionTable table = PartitionTable.parse(head, 1_000_000L * 512);
        assertThat(table.scheme()).isEqualTo(PartitionTable.Scheme.GPT);
        assertThat(table.partitions()).extracting(PartitionTable.Partition::name).containsExactly("bootfs", "rootfs");
        assertThat(table.firstFat().orElseThrow().offset()).isEqualTo(8192L * 512);
        assertThat(table.firstFat().orElseThrow().length()).isEqualTo((532479L - 8192 + 1) * 512);
    }

    @Test
    void damagedGptIsRefusedByItsChecksums() {
        byte[] head = gpt(new Object[] {BASIC_DATA, 8192L, 532479L, "bootfs"});
        head[1024 + 40] ^= 1;   // a bit of the first entry's start LBA
        assertThatThrownBy(() -> PartitionTable.parse(head, -1)).hasMessageContaining("entries CRC32");
        byte[] header = gpt(new Object[] {BASIC_DATA, 8192L, 532479L, "bootfs"});
        header[512 + 32] ^= 1;
        assertThatThrownBy(() -> PartitionTable.parse(header, -1)).hasMessageContaining("header CRC32");
    }

    @Test
    void refusesWhatIsNoPartitionTable() {
        assertThatThrownBy(() -> PartitionTable.parse(new byte[4096], -1)).hasMessageContaining("0x55AA");
        assertThatThrownBy(() -> PartitionTable.parse(mbr(), -1)).hasMessageContaining("no partitions");
        assertThatThrownBy(() -> PartitionTable.parse(mbr(new int[] {0x0c, 2048, 100000}), 10 * 512))
                .hasMessageContaining("outside the image");
        assertThatThrownBy(() -> PartitionTable.parse(mbr(new int[] {0x0c, 0, 100000}), -1))
                .hasMessage("partition 1 starts at byte 0, inside the partition table");
    }

    @Test
    void overlappingPartitionsAreRefusedNamingBoth() {
        byte[] mbr = mbr(new int[] {0x0c, 8192, 524288}, new int[] {0x83, 532479, 1000000});
        assertThatThrownBy(() -> PartitionTable.parse(mbr, 2_000_000L * 512))
                .hasMessage("partitions 1 and 2 overlap: 1 ends at byte " + 532480L * 512 + ", 2 starts at byte " + 532479L * 512);
        // Listed out of order, the later-listed partition lying inside the first.
        byte[] gpt = gpt(new Object[] {LINUX, 8192L, 999999L, "rootfs"}, new Object[] {BASIC_DATA, 16384L, 32767L, "bootfs"});
        assertThatThrownBy(() -> PartitionTable.parse(gpt, 1_000_000L * 512)).hasMessageContaining("partitions 1 and 2 overlap");
    }

    @Test
    void gptEntriesWhoseLbasOverflowOrLieOutsideTheirBoundsAreRefused() {
        // Times 512 this start wraps to byte 8192 * 512, right where a boot partition would be.
        long wrapsToBoot = (1L << 55) + 8192;
        byte[] start = gpt(new Object[] {BASIC_DATA, wrapsToBoot, wrapsToBoot + 1000, "bootfs"});
        assertThatThrownBy(() -> PartitionTable.parse(start, -1))
                .hasMessage("GPT entry 1: its first LBA " + wrapsToBoot + " lies beyond any disk (its byte offset overflows 64 bits)");
        byte[] negative = gpt(new Object[] {BASIC_DATA, 8192L, -1L, "bootfs"});
        assertThatThrownBy(() -> PartitionTable.parse(negative, -1))
                .hasMessage("GPT entry 1: its last LBA 18446744073709551615 lies beyond any disk (its byte offset overflows 64 bits)");
        byte[] lastSector = gpt(new Object[] {BASIC_DATA, 8192L, Long.MAX_VALUE / 512, "bootfs"});
        assertThatThrownBy(() -> PartitionTable.parse(lastSector, -1)).hasMessageContaining("GPT entry 1: its last LBA");
        byte[] backwards = gpt(new Object[] {BASIC_DATA, 8192L, 8191L, "bootfs"});
        assertThatThrownBy(() -> PartitionTable.parse(backwards, -1))
                .hasMessage("GPT entry 1: it ends (LBA 8191) before it starts (LBA 8192)");
        byte[] overTheTable = gpt(new Object[] {BASIC_DATA, 2L, 8191L, "bootfs"});
        assertThatThrownBy(() -> PartitionTable.parse(overTheTable, -1))
                .hasMessage("GPT entry 1: LBAs 2 to 8191 lie outside the usable LBAs 34 to " + ((1L << 40) - 34) + " its header gives");
        byte[] pastTheImage = gpt(new Object[] {BASIC_DATA, 8192L, 532479L, "bootfs"});
        assertThatThrownBy(() -> PartitionTable.parse(pastTheImage, 100_000L * 512)).hasMessageContaining("outside the image");
    }

    @Test
    void seedArgumentIsAppendedOnceAndReplacesAnOlderOne() {
        String arg = "ds=nocloud;i=metis-abc";
        assertThat(BootPartition.withSeedArgument("console=tty1 root=LABEL=writable rootwait\n", arg))
                .isEqualTo("console=tty1 root=LABEL=writable rootwait ds=nocloud;i=metis-abc");
        String once = BootPartition.withSeedArgument("console=tty1\n", arg);
        assertThat(BootPartition.withSeedArgument(once + "\n", arg)).isEqualTo(once);
        assertThat(BootPartition.withSeedArgument("console=tty1 ds=nocloud;i=metis-old quiet\r\n", arg))
                .isEqualTo("console=tty1 quiet ds=nocloud;i=metis-abc");
        assertThat(BootPartition.withSeedArgument("", arg)).isEqualTo(arg);
    }

    /** @param partitions each {type, first LBA, sector count} */
    private static byte[] mbr(int[]... partitions) {
        ByteBuffer b = ByteBuffer.allocate(PartitionTable.HEAD_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < partitions.length; i++) {
            int at = 446 + 16 * i;
            b.put(at + 4, (byte) partitions[i][0]).putInt(at + 8, partitions[i][1]).putInt(at + 12, partitions[i][2]);
        }
        b.putShort(510, (short) 0xaa55);
        return b.array();
    }

    /** @param entries each {type GUID, first LBA, last LBA, name} */
    private static byte[] gpt(Object[]... entries) {
        byte[] head = mbr(new int[] {0xee, 1, 0xffffffff});
        ByteBuffer b = ByteBuffer.wrap(head).order(ByteOrder.LITTLE_ENDIAN);
        int entrySize = 128;
        int count = 128;
        for (int i = 0; i < entries.length; i++) {
            int at = 1024 + i * entrySize;
            UUID type = (UUID) entries[i][0];
            b.putInt(at, (int) (type.getMostSignificantBits() >>> 32));
            b.putShort(at + 4, (short) (type.getMostSignificantBits() >>> 16));
            b.putShort(at + 6, (short) type.getMostSignificantBits());
            b.order(ByteOrder.BIG_ENDIAN).putLong(at + 8, type.getLeastSignificantBits()).order(ByteOrder.LITTLE_ENDIAN);
            b.putLong(at + 32, (Long) entries[i][1]).putLong(at + 40, (Long) entries[i][2]);
            byte[] name = ((String) entries[i][3]).getBytes(StandardCharsets.UTF_16LE);
            b.put(at + 56, name);
        }
        CRC32 entriesCrc = new CRC32();
        entriesCrc.update(head, 1024, count * entrySize);
        b.put(512, "EFI PART".getBytes(StandardCharsets.US_ASCII));
        b.putInt(512 + 8, 0x00010000).putInt(512 + 12, 92);
        b.putLong(512 + 24, 1).putLong(512 + 40, 34).putLong(512 + 48, (1L << 40) - 34);
        b.putLong(512 + 72, 2).putInt(512 + 80, count).putInt(512 + 84, entrySize);
        b.putInt(512 + 88, (int) entriesCrc.getValue());
        CRC32 headerCrc = new CRC32();
        headerCrc.update(head, 512, 92);
        b.putInt(512 + 16, (int) headerCrc.getValue());
        return head;
    }
}
