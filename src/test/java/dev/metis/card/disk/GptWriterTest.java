package dev.metis.card.disk;

import static org.assertj.core.api.Assertions.assertThat;

import dev.metis.testing.ExternalTool;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.NavigableMap;
import java.util.UUID;
import java.util.zip.CRC32;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A GPT entry added to a table sfdisk made: sgdisk and sfdisk find both tables sound, and Metis reads it back. */
class GptWriterTest {

    static final String BIOS_BOOT = "21686148-6449-6E6F-744E-656564454649";
    static final String ESP = "C12A7328-F81F-11D2-BA4B-00A0C93EC93B";
    static final String LINUX_ROOT_X86_64 = "4F68BCE3-E8CD-4DB1-96E7-FBCAF984B709";

    @TempDir
    Path dir;

    /**
     * An image of {@code mib} MiB partitioned by sfdisk, as Debian's amd64 cloud images are laid out: BIOS boot
     * 14, ESP 15, root 1 last (sfdisk's first usable sector: 2048); {@code header} goes before the partitions.
     */
    static Path debianLayout(Path dir, String name, int mib, String header) throws Exception {
        Path image = dir.resolve(name);
        try (RandomAccessFile file = new RandomAccessFile(image.toFile(), "rw")) {
            file.setLength(mib * (1L << 20));
        }
        Path script = dir.resolve(name + ".sfdisk");
        Files.writeString(script, "label: gpt\n" + header
                + name + "14 : start=2048, size=6144, type=" + BIOS_BOOT + "\n"
                + name + "15 : start=8192, size=24576, type=" + ESP + "\n"
                + name + "1 : start=32768, type=" + LINUX_ROOT_X86_64 + "\n");
        ExternalTool.runSuccessfully(dir, "sh", "-c", ExternalTool.require("sfdisk") + " --no-reread --no-tell-kernel "
                + image + " < " + script);
        return image;
    }

    static byte[] head(Path image) throws Exception {
        byte[] head = new byte[PartitionTable.HEAD_BYTES];
        try (RandomAccessFile file = new RandomAccessFile(image.toFile(), "r")) {
            file.readFully(head);
        }
        return head;
    }

    static void apply(Path image, NavigableMap<Long, byte[]> sectors) throws Exception {
        try (RandomAccessFile file = new RandomAccessFile(image.toFile(), "rw")) {
            for (Map.Entry<Long, byte[]> sector : sectors.entrySet()) {
                file.seek(sector.getKey());
                file.write(sector.getValue());
            }
        }
    }

    @Test
    void theNewEntryIsInBothTablesWithTheirCrcsAndTheToolsFindThemSound() throws Exception {
        Path image = debianLayout(dir, "deb.img", 64, "");
        byte[] head = head(image);
        PartitionTable.Gpt gpt = PartitionTable.parse(head, Files.size(image)).gpt();
        assertThat(gpt.firstUsable()).as("sfdisk's default").isEqualTo(2048);
        UUID guid = UUID.fromString("0b3c2c9e-6a51-4e2b-9a43-5d1f3a7e8c10");
        NavigableMap<Long, byte[]> sectors = GptWriter.withEntry(Arrays.copyOfRange(head, 512, 1024),
                Arrays.copyOfRange(head, 1024, 1024 + 128 * 128), gpt, 34,
                new GptWriter.Entry(2, PartitionTable.GPT_BASIC_DATA, guid, 40, 2047, "cidata"));
        apply(image, sectors);

        String verify = ExternalTool.runSuccessfully(dir, ExternalTool.require("sgdisk").toString(), "-v", image.toString()).output();
        assertThat(verify).contains("No problems found").doesNotContainIgnoringCase("CRC").doesNotContain("invalid")
                .doesNotContain("differ");
        ExternalTool.Result sfdisk = ExternalTool.runSuccessfully(dir, ExternalTool.require("sfdisk").toString(), "--verify",
                image.toString());
        assertThat(sfdisk.all()).contains("No errors detected").doesNotContain("corrupt");
        String info = ExternalTool.runSuccessfully(dir, ExternalTool.require("sgdisk").toString(), "-i", "2", image.toString()).output();
        assertThat(info).contains("EBD0A0A2-B9E5-4433-87C0-68B6B72699C7", guid.toString().toUpperCase(), "First sector: 40 ",
                "Last sector: 2047 ", "'cidata'");

        byte[] after = Files.readAllBytes(image);
        PartitionTable table = PartitionTable.parse(Arrays.copyOf(after, PartitionTable.HEAD_BYTES), after.length);
        assertThat(table.partitions()).extracting(PartitionTable.Partition::number).containsExactly(1, 2, 14, 15);
        assertThat(table.gpt().firstUsable()).isEqualTo(34);
        checkBackup(after, table.gpt());
        // The primary header, the primary entries' sector holding entry 2, the backup entries and header: no more.
        long lastSector = after.length / 512 - 1;
        assertThat(sectors.keySet()).allMatch(offset -> offset == 512 || offset == 1024 || offset >= (lastSector - 32) * 512)
                .hasSize(2 + 33);
    }

    /** The backup header at the image's last sector, by the UEFI specification: its CRCs, and the primary's entries. */
    private static void checkBackup(byte[] image, PartitionTable.Gpt primary) {
        long last = image.length / 512 - 1;
        ByteBuffer header = ByteBuffer.wrap(image, (int) last * 512, 512).slice().order(ByteOrder.LITTLE_ENDIAN);
        byte[] copy = new byte[primary.headerSize()];
        header.get(0, copy);
        ByteBuffer.wrap(copy).order(ByteOrder.LITTLE_ENDIAN).putInt(16, 0);
        assertThat(crc(copy, 0, copy.length)).isEqualTo(header.getInt(16));
        assertThat(header.getLong(24)).as("its own LBA").isEqualTo(last);
        assertThat(header.getLong(32)).as("the primary's").isEqualTo(1);
        assertThat(header.getLong(40)).isEqualTo(primary.firstUsable());
        long entries = header.getLong(72);
        assertThat(entries).isEqualTo(last - 32);
        assertThat(crc(image, (int) entries * 512, 128 * 128)).isEqualTo(header.getInt(88));
        assertThat(Arrays.copyOfRange(image, (int) entries * 512, (int) entries * 512 + 128 * 128))
                .isEqualTo(Arrays.copyOfRange(image, 1024, 1024 + 128 * 128));
    }

    private static int crc(byte[] bytes, int from, int length) {
        CRC32 crc = new CRC32();
        crc.update(bytes, from, length);
        return (int) crc.getValue();
    }
}
