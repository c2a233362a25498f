package dev.metis.card.disk;

import static dev.metis.card.disk.GptWriterTest.ESP;
import static dev.metis.card.disk.GptWriterTest.LINUX_ROOT_X86_64;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.metis.testing.ExternalTool;
import java.io.RandomAccessFile;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.NavigableMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Where the seed goes: a Pi image's boot partition as always, an amd64 cloud image's new seed partition, and
 * what has no place for it, refused with what was found.
 */
class SeedPlaceTest {

    private static final Map<String, byte[]> SEED = seed("metis-1");

    @TempDir
    Path dir;

    private static Map<String, byte[]> seed(String instanceId) {
        Map<String, byte[]> files = new LinkedHashMap<>();
        files.put("meta-data", ("instance-id: " + instanceId + "\nlocal-hostname: n1\n").getBytes(StandardCharsets.UTF_8));
        files.put("user-data", "#cloud-config\nhostname: n1\n".getBytes(StandardCharsets.UTF_8));
        files.put("network-config", "network:\n  version: 2\n".getBytes(StandardCharsets.UTF_8));
        files.put("overlay-dir/notes.txt", "from a boot overlay\n".getBytes(StandardCharsets.UTF_8));
        return files;
    }

    private Path image(String name, String sfdiskScript, int mib) throws Exception {
        Path image = dir.resolve(name);
        try (RandomAccessFile file = new RandomAccessFile(image.toFile(), "rw")) {
            file.setLength(mib * (1L << 20));
        }
        Path script = dir.resolve(name + ".sfdisk");
        Files.writeString(script, sfdiskScript);
        ExternalTool.runSuccessfully(dir, "sh", "-c", ExternalTool.require("sfdisk") + " --no-reread --no-tell-kernel "
                + image + " < " + script);
        return image;
    }

    private static SeedPlace place(Path image, long size) throws Exception {
        byte[] head = GptWriterTest.head(image);
        return SeedPlace.of(PartitionTable.parse(head, size), head, size);
    }

    private static Map<Long, String> hex(NavigableMap<Long, byte[]> sectors) {
        Map<Long, String> hex = new java.util.TreeMap<>();
        sectors.forEach((offset, bytes) -> hex.put(offset, java.util.HexFormat.of().formatHex(bytes)));
        return hex;
    }

    private static SeedPlace place(Path image) throws Exception {
        return place(image, Files.size(image));
    }

    @Test
    void aPiImageKeepsItsSeedInItsBootPartitionMbrOrGpt() throws Exception {
        Path mbr = image("pi.img", "label: dos\nstart=8192, size=81920, type=c\nstart=90112, type=83\n", 64);
        SeedPlace place = place(mbr);
        assertThat(place.description()).isEqualTo("boot partition 1");
        assertThat(place.partition().offset()).isEqualTo(8192L * 512);
        assertThat(place.changesEnd()).isEqualTo(place.partition().end());
        Path gpt = image("pi-gpt.img", "label: gpt\nstart=8192, size=81920, type=" + PartitionTable.GPT_BASIC_DATA
                + "\nstart=90112, type=0FC63DAF-8483-4772-8E79-3D69D8477DE4\n", 64);
        assertThat(place(gpt).description()).isEqualTo("boot partition 1");
    }

    @Test
    void aGptImageWhoseFatPartitionIsItsEspGetsASeedPartitionBeforeItsFirstPartition() throws Exception {
        Path debian = GptWriterTest.debianLayout(dir, "deb.img", 64, "");
        SeedPlace place = place(debian);
        assertThat(place.description()).isEqualTo("seed partition 2 (CIDATA, sectors 40-2047, new)");
        assertThat(place.partition()).isEqualTo(new PartitionTable.Partition(2, 40 * 512, 2008 * 512,
                "ebd0a0a2-b9e5-4433-87c0-68b6b72699c7", "cidata", true));
        assertThat(place.headEnd()).isEqualTo(1 << 20);
        assertThat(place.changesEnd()).as("the backup GPT's end").isEqualTo(Files.size(debian));
        // Without a FAT partition at all: the same.
        Path noFat = image("nofat.img", "label: gpt\nstart=2048, type=" + LINUX_ROOT_X86_64 + "\n", 16);
        assertThat(place(noFat).description()).isEqualTo("seed partition 2 (CIDATA, sectors 40-2047, new)");
    }

    @Test
    void theSeedGoesInWithTheGptSoundAndTheSameSeedGivesTheSameBytes() throws Exception {
        Path debian = GptWriterTest.debianLayout(dir, "deb.img", 64, "first-lba: 34\n");
        SeedPlace place = place(debian);
        SeedPlace.Injected injected;
        try (FileChannel head = FileChannel.open(debian, StandardOpenOption.READ)) {
            injected = place.inject(head, SEED, "metis-1", "ds=nocloud;i=metis-1");
            assertThat(hex(place.inject(head, SEED, "metis-1", "ds=nocloud;i=metis-1").changes()))
                    .as("the same seed").isEqualTo(hex(injected.changes()));
            NavigableMap<Long, byte[]> other = place.inject(head, seed("metis-2"), "metis-2", "ds=nocloud;i=metis-2").changes();
            assertThat(other.get(512L)).as("another instance's partition GUID").isNotEqualTo(injected.changes().get(512L));
        }
        assertThat(injected.injection().fatType()).isEqualTo("FAT12");
        assertThat(injected.injection().label()).isEqualTo("CIDATA");
        assertThat(injected.injection().cmdline()).isNull();
        assertThat(injected.injection().newPartition()).isEqualTo("seed partition 2 (CIDATA, sectors 40-2047, new)");
        GptWriterTest.apply(debian, injected.changes());

        assertThat(ExternalTool.runSuccessfully(dir, ExternalTool.require("sgdisk").toString(), "-v", debian.toString()).output())
                .contains("No problems found");
        byte[] after = GptWriterTest.head(debian);
        PartitionTable table = PartitionTable.parse(after, Files.size(debian));
        assertThat(table.gpt().firstUsable()).as("as the image had it").isEqualTo(34);
        Path seed = dir.resolve("seed.fat");
        Files.write(seed, java.util.Arrays.copyOfRange(after, 40 * 512, 2048 * 512));
        assertThat(ExternalTool.runSuccessfully(dir, ExternalTool.require("blkid").toString(), "-p", seed.toString()).output())
                .contains("LABEL=\"CIDATA\"", "TYPE=\"vfat\"");
        // Every time stamp is FAT's epoch, whenever the seed was laid in.
        assertThat(ExternalTool.runSuccessfully(dir, ExternalTool.require("mdir").toString(), "-i", seed.toString(), "::")
                .output().lines().filter(line -> line.matches("\\S+ .*\\d{4}-\\d\\d-\\d\\d .*")))
                .isNotEmpty().allMatch(line -> line.contains("1980-01-01   0:00"));
        try (FileChannel channel = FileChannel.open(seed, StandardOpenOption.READ)) {
            FatVolume fat = FatVolume.open(new Overlay(channel, 0, channel.size()));
            assertThat(fat.files()).containsOnlyKeys(SEED.keySet()).doesNotContainKey("cmdline.txt");
            for (Map.Entry<String, byte[]> file : SEED.entrySet()) {
                assertThat(fat.read(file.getKey())).isEqualTo(file.getValue());
            }
        }
    }

    @Test
    void whatHasNoPlaceForTheSeedIsRefusedWithWhatWasFound() throws Exception {
        Path mbrNoFat = image("mbr.img", "label: dos\nstart=2048, type=83\n", 16);
        assertThatThrownBy(() -> place(mbrNoFat)).hasMessageContaining("it has no FAT partition to hold the seed");

        Path grub = GptWriterTest.debianLayout(dir, "grub.img", 64, "");
        try (RandomAccessFile file = new RandomAccessFile(grub.toFile(), "rw")) {
            file.seek(100 * 512 + 7);
            file.write(0xeb);
        }
        assertThatThrownBy(() -> place(grub)).hasMessageContaining("byte " + (100 * 512 + 7) + " (sector 100) of the gap"
                + " between its GPT entries and its first partition (sectors 34-2047) is not zero");

        Path tight = image("tight.img", "label: gpt\nfirst-lba: 34\nstart=128, size=8192, type=" + ESP
                + "\nstart=8320, type=" + LINUX_ROOT_X86_64 + "\n", 16);
        assertThatThrownBy(() -> place(tight)).hasMessageContaining("its first partition starts at sector 128")
                .hasMessageContaining("leaves 88 sectors from sector 40 for a seed partition, which needs 128");

        // Room for the smallest seed partition, but not for this seed: refused when it is laid in, saying so.
        Path small = image("small.img", "label: gpt\nfirst-lba: 34\nstart=168, size=8192, type=" + ESP
                + "\nstart=8360, type=" + LINUX_ROOT_X86_64 + "\n", 16);
        SeedPlace smallPlace = place(small);
        assertThat(smallPlace.description()).isEqualTo("seed partition 3 (CIDATA, sectors 40-167, new)");
        Map<String, byte[]> large = Map.of("user-data", new byte[100_000]);
        try (FileChannel head = FileChannel.open(small, StandardOpenOption.READ)) {
            assertThatThrownBy(() -> smallPlace.inject(head, large, "metis-1", null)).hasMessageContaining(
                    "writing the seed's 1 files (100000 bytes) into its 64 KiB failed: the FAT file system is full");
        }

        Path full = image("full.img", "label: gpt\ntable-length: 4\nfirst-lba: 34\n"
                + "start=2048, size=8192, type=" + ESP + "\nstart=10240, size=2048\nstart=12288, size=2048\nstart=14336\n", 16);
        assertThatThrownBy(() -> place(full)).hasMessageContaining("all 4 entries of its GPT are in use");

        Path debian = GptWriterTest.debianLayout(dir, "deb.img", 64, "");
        long cut = Files.size(debian) - 512;
        assertThatThrownBy(() -> place(debian, cut)).hasMessageContaining("its backup GPT header at LBA "
                + (cut / 512) + " lies past its end (" + cut + " bytes)");
    }
}
