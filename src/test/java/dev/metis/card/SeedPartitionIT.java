package dev.metis.card;

import static dev.metis.card.GoldenImageBuilder.DEBIAN_BIOS_BOOT;
import static dev.metis.card.GoldenImageBuilder.DEBIAN_ROOT;
import static dev.metis.testing.ExternalTool.runSuccessfully;
import static org.assertj.core.api.Assertions.assertThat;

import dev.metis.files.Sha256;
import dev.metis.testing.Cli;
import dev.metis.testing.ExternalTool;
import dev.metis.testing.InventoryFixture;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code metis plan} and {@code image} for an amd64 node on an image laid out as Debian's genericcloud images
 * are (GPT: BIOS boot, ESP, root last), raw and compressed: the seed goes onto a new FAT12 'CIDATA' partition
 * in the zeroed sectors before the first partition, and the real tools check the result: sgdisk and sfdisk
 * find both GPTs sound, blkid and fsck.fat the seed's file system, mtools each seed file as {@code metis render}
 * prints it; every other partition is the golden image's byte for byte, and growpart still grows the root.
 * An image with no place for the seed is refused by plan, image and inventory check.
 */
class SeedPartitionIT {

    private static final int MIB = 200;
    /** Where the seed partition goes on these images: from the first 4 KiB boundary after the GPT entries. */
    private static final long SEED_FIRST = 40;
    private static final long SEED_LAST = DEBIAN_BIOS_BOOT - 1;

    @TempDir
    static Path dir;
    static Path debian;
    static Path inventory;

    @BeforeAll
    static void images() throws Exception {
        Path images = Files.createDirectories(dir.resolve("images"));
        debian = GoldenImageBuilder.debianCloud(images, "debian.img", MIB);
        Path xz = GoldenImageBuilder.compress(debian, "xz");
        Path gz = GoldenImageBuilder.compress(debian, "gzip");
        Path grub = images.resolve("grub-in-gap.img");
        Files.copy(debian, grub);
        try (RandomAccessFile file = new RandomAccessFile(grub.toFile(), "rw")) {
            file.seek(1000 * 512);
            file.write(new byte[] {(byte) 0xeb, 0x63, (byte) 0x90});   // boot code where the seed partition would go
        }
        // An ESP from sector 128: 88 sectors after the GPT entries' 4 KiB boundary, too few for a seed partition.
        Path tight = images.resolve("tight.img");
        try (RandomAccessFile file = new RandomAccessFile(tight.toFile(), "rw")) {
            file.setLength(16L << 20);
        }
        Files.writeString(images.resolve("tight.sfdisk"), "label: gpt\nfirst-lba: 34\nstart=128, size=8192, "
                + "type=C12A7328-F81F-11D2-BA4B-00A0C93EC93B\nstart=8320, type=4F68BCE3-E8CD-4DB1-96E7-FBCAF984B709\n");
        runSuccessfully(images, "sh", "-c", ExternalTool.require("sfdisk") + " --no-reread --no-tell-kernel " + tight
                + " < tight.sfdisk");
        inventory = InventoryFixture.write(dir, "inventory.yaml", """
                site:
                  name: test
                  domain: t.example
                  server_url: http://192.0.2.10:8080
                  ssh_authorized_keys: [ssh-ed25519 AAAAtest site@key]
                classes:
                  amd64:
                    arch: amd64
                    delivery: sdcard
                    gateway: 192.0.2.1
                nodes:
                  amd-raw:  {class: amd64, mac: "52:54:00:00:02:01", ip: 192.0.2.61/24, image: {path: images/debian.img, sha256: %s}}
                  amd-xz:   {class: amd64, mac: "52:54:00:00:02:02", ip: 192.0.2.62/24, image: {path: images/debian.img.xz, sha256: %s}}
                  amd-gz:   {class: amd64, mac: "52:54:00:00:02:03", ip: 192.0.2.63/24, image: {path: images/debian.img.gz, sha256: %s}}
                  amd-grub: {class: amd64, mac: "52:54:00:00:02:04", ip: 192.0.2.64/24, image: {path: images/grub-in-gap.img, sha256: %s}}
                  amd-tight: {class: amd64, mac: "52:54:00:00:02:05", ip: 192.0.2.65/24, image: {path: images/tight.img, sha256: %s}}
                """.formatted(sha(debian), sha(xz), sha(gz), sha(grub), sha(tight)));
    }

    @ParameterizedTest
    @ValueSource(strings = {"amd-raw", "amd-xz", "amd-gz"})
    void theSeedGoesOnASeedPartitionTheRealToolsAcceptAndNothingElseChanges(String node) throws Exception {
        Cli.Run plan = Cli.run("plan", "--inventory", inventory.toString(), "--node", node, "--cache", cache(), "--state-dir",
                state(node));
        assertThat(plan.exitCode()).as(plan.all()).isZero();
        String seedPartition = "seed partition 2 (CIDATA, sectors " + SEED_FIRST + "-" + SEED_LAST + ", new)";
        assertThat(plan.out()).contains("<- " + seedPartition + ": FAT12 label 'CIDATA'",
                "absent: the image finds the seed by its partition label");

        Path output = dir.resolve(node + ".out.img");
        Cli.Run image = image(node, output);
        assertThat(image.exitCode()).as(image.all()).isZero();
        assertThat(image.out()).contains("injected into the FAT12 partition 'CIDATA', " + seedPartition + ": meta-data,");

        String verify = tool("sgdisk", "-v", output.toString()).output();
        assertThat(verify).contains("No problems found").doesNotContainIgnoringCase("crc").doesNotContain("invalid")
                .doesNotContain("differ");
        ExternalTool.Result sfdisk = tool("sfdisk", "--verify", output.toString());
        assertThat(sfdisk.all()).contains("No errors detected").doesNotContain("corrupt");
        assertThat(tool("sgdisk", "-i", "2", output.toString()).output()).contains("EBD0A0A2-B9E5-4433-87C0-68B6B72699C7",
                "First sector: " + SEED_FIRST + " ", "Last sector: " + SEED_LAST + " ", "'cidata'");

        Path seed = cut(output, SEED_FIRST, SEED_LAST + 1, node + ".seed");
        assertThat(tool("blkid", "-p", seed.toString()).output()).contains("LABEL=\"CIDATA\"", "TYPE=\"vfat\"");
        ExternalTool.Result fsck = ExternalTool.run(dir, ExternalTool.require("fsck.fat").toString(), "-n", seed.toString());
        assertThat(fsck.exitCode()).as(fsck.all()).isZero();
        for (String file : List.of("meta-data", "network-config", "vendor-data", "user-data")) {
            Cli.Run rendered = Cli.run("render", "--inventory", inventory.toString(), "--node", node, file,
                    "--reveal-secrets", "--state-dir", state(node));
            assertThat(rendered.exitCode()).as(rendered.err()).isZero();
            assertThat(mtype(seed, file)).as(file).isEqualTo(rendered.out().getBytes(java.nio.charset.StandardCharsets.UTF_8));
        }
        assertThat(new String(mtype(seed, CardSeed.RECORD), java.nio.charset.StandardCharsets.UTF_8))
                .contains("\"node\" : \"" + node + "\"");
        assertThat(mtype(seed, "cmdline.txt")).as("cloud-init finds the seed by its label").isNull();

        long lastSector = Files.size(debian) / 512 - 1;
        for (long[] partition : new long[][] {{DEBIAN_BIOS_BOOT, GoldenImageBuilder.DEBIAN_ESP},
                {GoldenImageBuilder.DEBIAN_ESP, DEBIAN_ROOT}, {DEBIAN_ROOT, lastSector - 32}}) {
            assertThat(Files.mismatch(cut(debian, partition[0], partition[1], "golden.part"),
                    cut(output, partition[0], partition[1], "output.part")))
                    .as("sectors " + partition[0] + "-" + (partition[1] - 1) + " as in the golden image").isEqualTo(-1);
        }

        Path grown = dir.resolve(node + ".grown.img");
        Files.copy(output, grown, StandardCopyOption.REPLACE_EXISTING);
        try (RandomAccessFile file = new RandomAccessFile(grown.toFile(), "rw")) {
            file.setLength(file.length() + (1L << 30));
        }
        assertThat(tool("growpart", grown.toString(), "1").output()).contains("CHANGED: partition=1 start=" + DEBIAN_ROOT);
        assertThat(tool("sgdisk", "-v", grown.toString()).output()).contains("No problems found");
        assertThat(tool("sgdisk", "-i", "1", grown.toString()).output())
                .contains("Last sector: " + (Files.size(grown) / 512 - 34) + " ");
        Files.delete(grown);
    }

    /**
     * gzip keeps no size: the first image streams the backup GPT's sectors in at the end, burn (which checks the
     * whole stream first) and a later image know the size beforehand. All three give the same bytes.
     */
    @Test
    void imageAndBurnOfTheSameNodeOnTheSameImageGiveTheSameBytes() throws Exception {
        List<String> common = List.of("--inventory", inventory.toString(), "--node", "amd-gz", "--cache",
                dir.resolve("cache-again").toString(), "--state-dir", state("amd-gz-again"));
        Path first = dir.resolve("again-1.img");
        Cli.Run image = Cli.run(concat(List.of("image", "--output", first.toString()), common));
        assertThat(image.exitCode()).as(image.all()).isZero();
        Path card = dir.resolve("again-card.img");
        Files.write(card, new byte[4096]);
        Cli.Run burn = Cli.run(concat(List.of("burn", "--yes", "--device", card.toString()), common));
        assertThat(burn.exitCode()).as(burn.all()).isZero();
        assertThat(burn.out()).contains("injected into the FAT12 partition 'CIDATA', seed partition 2 (CIDATA, sectors "
                + SEED_FIRST + "-" + SEED_LAST + ", new)");
        Path second = dir.resolve("again-2.img");
        assertThat(Cli.run(concat(List.of("image", "--output", second.toString()), common)).exitCode()).isZero();
        assertThat(Files.mismatch(first, card)).isEqualTo(-1);
        assertThat(Files.mismatch(first, second)).isEqualTo(-1);
    }

    private static String[] concat(List<String> command, List<String> options) {
        return java.util.stream.Stream.concat(command.stream(), options.stream()).toArray(String[]::new);
    }

    /** Boot code in the gap, or a gap too small: plan and image refuse the image, nothing is written. */
    @ParameterizedTest
    @ValueSource(strings = {"amd-grub", "amd-tight"})
    void anImageWithNoPlaceForTheSeedIsRefusedByPlanAndImage(String node) throws Exception {
        Path golden = dir.resolve(node.equals("amd-grub") ? "images/grub-in-gap.img" : "images/tight.img");
        Cli.Run plan = Cli.run("plan", "--inventory", inventory.toString(), "--node", node, "--cache", cache(),
                "--state-dir", state(node));
        assertThat(plan.exitCode()).isEqualTo(1);
        assertThat(plan.err()).contains("golden image " + golden + ": " + noPlace(node));

        Path output = dir.resolve(node + ".out.img");
        Cli.Run image = image(node, output);
        assertThat(image.exitCode()).isEqualTo(1);
        assertThat(image.err()).contains("golden image " + golden + ": " + noPlace(node));
        assertThat(output).doesNotExist();
    }

    @Test
    void inventoryCheckWarnsOfEachImageWithNoPlaceForTheSeed() {
        Cli.Run check = Cli.run("inventory", "check", "--inventory", inventory.toString(), "--cache", cache(), "--state-dir",
                state("check"), "--strict");
        assertThat(check.exitCode()).as(check.all()).isEqualTo(3);
        assertThat(check.err().lines().filter(line -> line.contains(": warning: ")).toList()).satisfiesExactly(
                grub -> assertThat(grub).contains(": warning: image of amd-grub: " + dir.resolve("images/grub-in-gap.img")
                        + ": no place for the seed: " + noPlace("amd-grub")),
                tight -> assertThat(tight).contains(": warning: image of amd-tight: " + dir.resolve("images/tight.img")
                        + ": no place for the seed: " + noPlace("amd-tight")));
    }

    private static String noPlace(String node) {
        return node.equals("amd-grub")
                ? "byte " + 1000 * 512 + " (sector 1000) of the gap between its GPT entries and its first partition"
                        + " (sectors 34-2047) is not zero (a boot loader there?)"
                : "its first partition starts at sector 128: the gap between its GPT entries and its first partition"
                        + " (sectors 34-127) leaves 88 sectors from sector 40 for a seed partition, which needs 128";
    }

    static Cli.Run image(String node, Path output) {
        return Cli.run("image", "--inventory", inventory.toString(), "--node", node, "--output", output.toString(),
                "--cache", cache(), "--state-dir", state(node));
    }

    private static String cache() {
        return dir.resolve("cache").toString();
    }

    private static String state(String node) {
        return dir.resolve("state-" + node).toString();
    }

    private static ExternalTool.Result tool(String command, String... args) throws Exception {
        String[] line = new String[args.length + 1];
        line[0] = ExternalTool.require(command).toString();
        System.arraycopy(args, 0, line, 1, args.length);
        return runSuccessfully(dir, line);
    }

    /** Sectors {@code [from, to)} of {@code image}, in a file of their own. */
    private static Path cut(Path image, long from, long to, String name) throws IOException {
        Path part = dir.resolve(name);
        try (RandomAccessFile in = new RandomAccessFile(image.toFile(), "r")) {
            byte[] bytes = new byte[(int) ((to - from) * 512)];
            in.seek(from * 512);
            in.readFully(bytes);
            Files.write(part, bytes);
        }
        return part;
    }

    /** A file from a FAT file system image as mtools reads it, or null when it is absent. */
    private static byte[] mtype(Path volume, String file) throws Exception {
        Path out = dir.resolve("mcopy.out");
        Files.deleteIfExists(out);
        ExternalTool.Result result = ExternalTool.run(dir, ExternalTool.require("mcopy").toString(), "-n", "-i",
                volume.toString(), "::" + file, out.toString());
        return result.exitCode() == 0 ? Files.readAllBytes(out) : null;
    }

    private static String sha(Path file) throws IOException {
        return Sha256.hex(Files.readAllBytes(file));
    }
}
