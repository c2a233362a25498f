package dev.metis.card;

import static dev.metis.card.GoldenImageBuilder.MIB;
import static dev.metis.testing.ExternalTool.runSuccessfully;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.metis.files.Sha256;
import dev.metis.state.BurnHistory;
import dev.metis.testing.Cli;
import dev.metis.testing.ExternalTool;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code metis burn} onto loop devices, the block-device path a card reader takes: direct I/O, read-back
 * verify, and the refusals (mounted, too small, a partition, no confirmation) with nothing written.
 * Needs root for losetup, as CI has.
 */
class CardBurnIT {

    @TempDir
    static Path dir;
    static Path inventory;
    static Path golden;
    private final List<String> loops = new ArrayList<>();
    private final List<Path> mounts = new ArrayList<>();

    @BeforeAll
    static void image() throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")), "losetup needs root");
        ExternalTool.require("losetup");
        golden = GoldenImageBuilder.build(dir, "golden.img", GoldenImageBuilder.Shape.UBUNTU, 48);
        Path xz = GoldenImageBuilder.compress(golden, "xz");
        Files.writeString(dir.resolve("secrets.yaml"), "defaults: {k3s_token: K10burn-test-token}\n");
        Files.setPosixFilePermissions(dir.resolve("secrets.yaml"), java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        inventory = dir.resolve("inventory.yaml");
        Files.writeString(inventory, """
                site:
                  name: test
                  domain: t.example
                  server_url: http://192.0.2.2:8080
                  secrets: {source: file, file: secrets.yaml}
                classes:
                  pi: {arch: arm64, delivery: sdcard, gateway: 192.0.2.1, image: {path: golden.img.xz, sha256: %s}}
                nodes:
                  pi-1: {class: pi, mac: dc:a6:32:00:01:01, ip: 192.0.2.41/24}
                """.formatted(Sha256.hex(Files.readAllBytes(xz))));
    }

    @AfterEach
    void detach() throws Exception {
        for (Path mount : mounts) {
            ExternalTool.run(dir, "umount", mount.toString());
        }
        for (String loop : loops) {
            ExternalTool.run(dir, "losetup", "-d", loop);
        }
    }

    @Test
    void burnsALoopDeviceAndVerifiesItThroughTheBlockDevice() throws Exception {
        Path backing = backingFile("card.img", 64);
        String loop = attach(backing);
        Cli.Run burn = burn(loop, "--yes");
        assertThat(burn.exitCode()).as(burn.all()).isZero();
        assertThat(burn.out()).contains("written to " + loop).contains("verify").contains("OK");
        assertThat(burn.err()).contains("write").contains("verify");
        assertThat(burn.all()).doesNotContain("K10burn-test-token");

        Cli.Run image = Cli.run("image", "--inventory", inventory.toString(), "--node", "pi-1", "--output",
                dir.resolve("same.img").toString(), "--cache", dir.resolve("cache").toString(), "--state-dir",
                dir.resolve("state").toString());
        assertThat(image.exitCode()).as(image.all()).isZero();
        for (String seedFile : List.of("user-data", "meta-data", "network-config", "cmdline.txt")) {
            assertThat(GoldenImageBuilder.mtype(backing, seedFile)).as(seedFile).isEqualTo(mtypeOf(dir.resolve("same.img"), seedFile));
        }
        byte[] card = Files.readAllBytes(backing);
        byte[] goldenBytes = Files.readAllBytes(golden);
        assertThat(java.util.Arrays.equals(card, (int) (44 * MIB), goldenBytes.length, goldenBytes, (int) (44 * MIB),
                goldenBytes.length)).as("root partition as in the golden image").isTrue();
        assertThat(java.util.Arrays.equals(card, goldenBytes.length, card.length, new byte[card.length - goldenBytes.length],
                0, card.length - goldenBytes.length)).as("nothing past the image").isTrue();
        assertThat(new BurnHistory(dir.resolve("state")).recent(10)).anySatisfy(b -> {
            assertThat(b.kind()).isEqualTo("burn");
            assertThat(b.target()).isEqualTo(loop);
            assertThat(b.result()).isEqualTo("ok");
        });
        GoldenImageBuilder.fsckClean(backing);
    }

    @Test
    void refusesATargetSmallerThanTheImage() throws Exception {
        Path backing = backingFile("small.img", 16);
        Cli.Run burn = burn(attach(backing), "--yes");
        assertThat(burn.exitCode()).isEqualTo(1);
        assertThat(burn.err()).contains("refusing").contains("the image needs");
        assertUntouched(backing);
    }

    @Test
    void refusesAMountedTarget() throws Exception {
        Path backing = backingFile("mounted.img", 64);
        runSuccessfully(dir, ExternalTool.require("mkfs.ext4").toString(), "-q", backing.toString());
        String loop = attach(backing);
        Path mountPoint = Files.createDirectories(dir.resolve("mnt"));
        runSuccessfully(dir, "mount", loop, mountPoint.toString());
        mounts.add(mountPoint);
        Cli.Run burn = burn(loop, "--yes");
        assertThat(burn.exitCode()).isEqualTo(1);
        assertThat(burn.err()).contains("is mounted").contains(mountPoint.toString());
        runSuccessfully(dir, "umount", mountPoint.toString());
        mounts.clear();
        // Mounting changed the ext4 superblock; what a burn writes first (the MBR in ext4's unused first
        // KiB) and last (the golden root partition's bytes) must not be there.
        byte[] after = Files.readAllBytes(backing);
        byte[] goldenBytes = Files.readAllBytes(golden);
        assertThat(java.util.Arrays.equals(after, 0, 1024, new byte[1024], 0, 1024)).as("first KiB untouched").isTrue();
        assertThat(java.util.Arrays.equals(after, (int) (44 * MIB), goldenBytes.length, goldenBytes, (int) (44 * MIB),
                goldenBytes.length)).as("no image bytes written").isFalse();
    }

    @Test
    void refusesAPartitionAndAsksForTheWholeDisk() throws Exception {
        Path backing = backingFile("parted.img", 64);
        Files.writeString(dir.resolve("parted.sfdisk"), "label: dos\nstart=2048, type=83\n");
        runSuccessfully(dir, "sh", "-c", "sfdisk --no-reread " + backing + " < " + dir.resolve("parted.sfdisk"));
        String loop = runSuccessfully(dir, "losetup", "--find", "--show", "--partscan", backing.toString())
                .output().strip();
        loops.add(loop);
        byte[] before = Files.readAllBytes(backing);
        // Without udev (containers, CI) nobody creates /dev/loopNp1: make the node from what sysfs says.
        Path sysPartition = Path.of("/sys/block", Path.of(loop).getFileName().toString(),
                Path.of(loop).getFileName() + "p1", "dev");
        for (int i = 0; i < 20 && !Files.exists(sysPartition); i++) {
            Thread.sleep(100);
        }
        assumeTrue(Files.exists(sysPartition), "this kernel scans no partitions on loop devices (no " + sysPartition + ")");
        String[] majorMinor = Files.readString(sysPartition).strip().split(":");
        Path partition = dir.resolve("loop-part1");
        runSuccessfully(dir, "mknod", partition.toString(), "b", majorMinor[0], majorMinor[1]);
        Cli.Run burn = burn(partition.toString(), "--yes");
        assertThat(burn.exitCode()).isEqualTo(1);
        assertThat(burn.err()).contains("is a partition of");
        assertThat(Files.readAllBytes(backing)).isEqualTo(before);
    }

    @Test
    void withoutATerminalOrYesNothingIsWritten() throws Exception {
        Path backing = backingFile("unconfirmed.img", 64);
        Cli.Run burn = burn(attach(backing));
        assertThat(burn.exitCode()).isEqualTo(1);
        assertThat(burn.err()).contains("--yes").contains("not confirmed");
        assertUntouched(backing);
    }

    @Test
    void planNamesTheRefusalAndExitsNonZero() throws Exception {
        Path backing = backingFile("plan-small.img", 16);
        String loop = attach(backing);
        Cli.Run plan = Cli.run("plan", "--inventory", inventory.toString(), "--node", "pi-1", "--device", loop,
                "--cache", dir.resolve("cache").toString());
        assertThat(plan.exitCode()).as(plan.all()).isEqualTo(1);
        assertThat(plan.out()).contains("loop device backed by " + backing).contains("safe       NO").contains("the image needs");
        assertUntouched(backing);
    }

    private Cli.Run burn(String device, String... extra) {
        List<String> args = new ArrayList<>(List.of("burn", "--inventory", inventory.toString(), "--node", "pi-1",
                "--device", device, "--cache", dir.resolve("cache").toString(), "--state-dir", dir.resolve("state").toString()));
        args.addAll(List.of(extra));
        return Cli.run(args.toArray(String[]::new));
    }

    private Path backingFile(String name, int mib) throws Exception {
        Path file = dir.resolve(name);
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.setLength(mib * MIB);
        }
        return file;
    }

    private String attach(Path backing) throws Exception {
        String loop = runSuccessfully(dir, "losetup", "--find", "--show", backing.toString()).output().strip();
        loops.add(loop);
        return loop;
    }

    private static void assertUntouched(Path backing) throws Exception {
        byte[] bytes = Files.readAllBytes(backing);
        assertThat(java.util.Arrays.equals(bytes, new byte[bytes.length])).as(backing + " is still all zeros").isTrue();
    }

    private static byte[] mtypeOf(Path image, String file) throws Exception {
        return GoldenImageBuilder.mtype(image, file);
    }
}
