package dev.metis.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.metis.testing.ExternalTool;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * deploy/recovery/metis-install, run with busybox on this host against {@link InstallFixtureServer}, writing
 * to sparse files that a fake /sys/block tree (METIS_INSTALL_DISK_ROOT) presents as disks.
 */
class RecoveryClientIT {

    private static final Path CLIENT = Path.of("deploy/recovery/metis-install").toAbsolutePath();
    private static final int CHUNK = InstallFixtureServer.CHUNK;
    private static final long GIB = 1L << 30;
    /** Chunks of the test image that are all zeros; chunk 3 is zeros in its first half only. */
    private static final List<Integer> ZERO_CHUNKS = List.of(1, 2, 6, 7, 8, 9, 12, 13, 14, 15);
    /** 20 full chunks and a short last one: past the 64 MiB at which progress is reported. */
    private static final byte[] IMAGE = image(20 * CHUNK + 1000);

    @TempDir
    Path dir;
    private Path root;
    private InstallFixtureServer server;
    /** The install URL, when not the server's own. */
    private String url;

    private static byte[] image(int size) {
        byte[] image = new byte[size];
        Random random = new Random(20);
        for (int index = 0; (long) index * CHUNK < size; index++) {
            if (!ZERO_CHUNKS.contains(index)) {
                int start = index * CHUNK + (index == 3 ? CHUNK / 2 : 0);
                byte[] bytes = new byte[Math.min(size, (index + 1) * CHUNK) - start];
                random.nextBytes(bytes);
                System.arraycopy(bytes, 0, image, start, bytes.length);
            }
        }
        return image;
    }

    private static List<Integer> dataChunks() {
        return IntStream.rangeClosed(0, 20).filter(i -> !ZERO_CHUNKS.contains(i)).boxed().toList();
    }

    @BeforeEach
    void fakeRoot() throws IOException {
        root = dir.resolve("root");
        Files.createDirectories(root.resolve("proc"));
        Files.writeString(root.resolve("proc/mounts"), "proc /proc proc rw 0 0\n");
    }

    @AfterEach
    void stopServer() {
        if (server != null) {
            server.close();
        }
    }

    /** A disk NAME of {@code bytes} as sysfs shows it, backed by a sparse file at ROOT/dev/NAME. */
    private Path disk(String name, long bytes, boolean removable) throws IOException {
        Path sys = Files.createDirectories(root.resolve("sys/block/" + name));
        Files.writeString(sys.resolve("size"), bytes / 512 + "\n");
        Files.writeString(sys.resolve("removable"), (removable ? "1" : "0") + "\n");
        Files.createDirectories(sys.resolve("holders"));
        Path file = Files.createDirectories(root.resolve("dev")).resolve(name);
        try (RandomAccessFile sparse = new RandomAccessFile(file.toFile(), "rw")) {
            sparse.setLength(bytes);
        }
        return file;
    }

    /** Partition PART of disk NAME, mounted at {@code mountpoint}. */
    private void mountedPartition(String name, String part, String mountpoint) throws IOException {
        Path sys = Files.createDirectories(root.resolve("sys/block/" + name + "/" + part));
        Files.writeString(sys.resolve("partition"), "1\n");
        Files.writeString(root.resolve("proc/mounts"), "/dev/" + part + " " + mountpoint + " ext4 rw 0 0\n",
                StandardOpenOption.APPEND);
    }

    private ExternalTool.Result install() throws Exception {
        Process process = start();
        if (!process.waitFor(300, TimeUnit.SECONDS)) {
            NetbootLab.stop(process);
            throw new AssertionError("metis-install did not end: " + Files.readString(dir.resolve("console")));
        }
        String console = Files.readString(dir.resolve("console"));
        // Everything it prints is its own line, for a console that kernel messages share.
        assertThat(console.lines()).allMatch(line -> line.startsWith("metis-install: "));
        assertThat(console).doesNotContain(InstallFixtureServer.TOKEN);
        return new ExternalTool.Result(process.exitValue(), console, "");
    }

    private Process start() throws IOException {
        ProcessBuilder builder = new ProcessBuilder(ExternalTool.require("busybox").toString(), "sh", CLIENT.toString(),
                "--no-reboot").redirectErrorStream(true).redirectOutput(dir.resolve("console").toFile());
        Map<String, String> env = builder.environment();
        env.put("METIS_INSTALL_URL", url == null ? server.url() : url);
        env.put("METIS_INSTALL_DISK_ROOT", root.toString());
        env.put("METIS_INSTALL_DISK_WAIT", "0");
        env.put("TMPDIR", Files.createDirectories(dir.resolve("tmp")).toString());
        // busybox runs its own applets whatever PATH says; an empty PATH keeps this host's nettle-hash out,
        // so these runs hash with busybox's sha256sum (RecoveryQemuIT's with nettle-hash).
        env.put("PATH", Files.createDirectories(dir.resolve("empty-path")).toString());
        return builder.start();
    }

    private static byte[] head(Path disk, int bytes) throws IOException {
        try (RandomAccessFile file = new RandomAccessFile(disk.toFile(), "r")) {
            byte[] head = new byte[bytes];
            file.readFully(head);
            return head;
        }
    }

    /** Nothing was written where the image would go. */
    private static boolean untouched(Path disk) throws IOException {
        return InstallFixtureServer.isZero(head(disk, (int) Math.min(IMAGE.length, Files.size(disk))));
    }

    /** The data chunks that are on the disk as the image has them. */
    private static List<Integer> dataChunksRight(Path disk) throws IOException {
        byte[] written = head(disk, IMAGE.length);
        List<Integer> right = new ArrayList<>();
        for (int index : dataChunks()) {
            int end = Math.min(IMAGE.length, (index + 1) * CHUNK);
            if (Arrays.equals(written, index * CHUNK, end, IMAGE, index * CHUNK, end)) {
                right.add(index);
            }
        }
        return right;
    }

    private static void assertVerified(ExternalTool.Result result, InstallFixtureServer server) {
        assertThat(result.exitCode()).as(result.output()).isZero();
        List<String> steps = server.steps();
        assertThat(steps).as(result.output()).startsWith("started").endsWith("verified", "rebooting")
                .doesNotContain("failed");
        assertThat(server.events().get(steps.indexOf("verified"))).containsEntry("bytes", Integer.toString(IMAGE.length));
    }

    @Test
    void writesTheImageDownloadingOnlyItsDataChunksAndZeroesStaleBytesLocally() throws Exception {
        Path disk = disk("vda", GIB, false);
        // Stale bytes where the image has a zero chunk: zeroed here, never asked for on the wire.
        try (RandomAccessFile file = new RandomAccessFile(disk.toFile(), "rw")) {
            file.seek(7L * CHUNK + 123);
            file.write("an older system".getBytes(StandardCharsets.US_ASCII));
        }
        server = InstallFixtureServer.start(IMAGE, "/dev/vda");
        server.busyPlans(1);

        ExternalTool.Result result = install();

        assertVerified(result, server);
        assertThat(head(disk, IMAGE.length)).isEqualTo(IMAGE);
        assertThat(server.rangedChunks()).containsExactlyInAnyOrderElementsOf(dataChunks());
        assertThat(server.planRequests()).isEqualTo(2);
        assertThat(result.output()).contains("metis-install: Metis is still rendering the image; asking again in 1 s")
                .contains("metis-install: node vm-1: image of " + IMAGE.length + " bytes in 21 chunks, disk /dev/vda")
                .contains("metis-install: verified /dev/vda");
        List<Map<String, String>> events = server.events();
        assertThat(events.get(0)).isEqualTo(Map.of("step", "started", "disk", "/dev/vda"));
        List<Long> progress = events.stream().filter(e -> e.get("step").equals("progress"))
                .map(e -> Long.parseLong(e.get("bytes"))).toList();
        // One report as the workers together pass 64 MiB (the image has 80).
        assertThat(progress).hasSize(1).allMatch(bytes -> bytes >= 64L * 1024 * 1024 && bytes <= IMAGE.length);
    }

    @Test
    void aPlanThisClientDoesNotUnderstandFailsTheRunBeforeTheDiskIsTouched() throws Exception {
        Path disk = disk("vda", GIB, false);
        server = InstallFixtureServer.start(IMAGE, "/dev/vda");
        String plan = server.plan();
        Map<String, String> reasons = Map.of(
                plan.replace("metis-install 1\n", "metis-install 2\n"), "protocol version 2 (this client speaks 1)",
                plan.replace("\nc 20 ", "\nc 21 "), "line 26: chunk 21 out of order",
                plan.substring(0, plan.indexOf("c 20 ")), "20 chunks for " + IMAGE.length + " bytes in chunks of " + CHUNK,
                plan.replace("\nc 0 ", "\nc 0 X"), "line 6: hash X" + InstallFixtureServer.sha256(Arrays.copyOf(IMAGE, CHUNK)));
        for (Map.Entry<String, String> bad : reasons.entrySet()) {
            server.servePlan(bad.getKey());
            ExternalTool.Result result = install();
            assertThat(result.exitCode()).isEqualTo(1);
            assertThat(result.output()).contains("metis-install: failed: the plan from Metis is not one this client "
                    + "understands: " + bad.getValue());
        }
        assertThat(server.steps()).containsOnly("failed");
        assertThat(untouched(disk)).isTrue();
    }

    @Test
    void aPlanRefusedByMetisEndsTheRunWithItsReason() throws Exception {
        disk("vda", GIB, false);
        server = InstallFixtureServer.start(IMAGE, "/dev/vda");
        url = server.url().replace(InstallFixtureServer.TOKEN, "spent-token");

        ExternalTool.Result result = install();

        assertThat(result.exitCode()).isEqualTo(1);
        assertThat(result.output()).contains("metis-install: failed: Metis refused the plan: token")
                .doesNotContain("spent-token");
        assertThat(server.rangedChunks()).isEmpty();
    }

    @Test
    void aMetisThatCannotBeReachedIsSaidAndAskedAgainWithoutEnd() throws Exception {
        disk("vda", GIB, false);
        server = InstallFixtureServer.start(IMAGE, "/dev/vda");
        server.close();
        Process client = start();
        try {
            String expected = "metis-install: cannot reach Metis at 127.0.0.1:" + server.port() + ": can't connect to "
                    + "remote host (127.0.0.1): Connection refused; trying again in 5 s";
            for (int i = 0; i < 300 && !Files.readString(dir.resolve("console")).contains(expected); i++) {
                Thread.sleep(100);
            }
            assertThat(Files.readString(dir.resolve("console"))).contains(expected);
            assertThat(client.isAlive()).isTrue();
        } finally {
            NetbootLab.stop(client);
        }
    }

    @Test
    void aRunKilledHalfwayIsResumedDownloadingOnlyTheChunksNotYetOnTheDisk() throws Exception {
        Path disk = disk("vda", GIB, false);
        server = InstallFixtureServer.start(IMAGE, "/dev/vda");
        server.stallAfter(5);
        Process first = start();
        try {
            assertThat(server.awaitStall(120)).as("an image request stalls").isTrue();
        } finally {
            NetbootLab.stop(first);
        }
        server.close();
        List<Integer> alreadyRight = dataChunksRight(disk);
        assertThat(alreadyRight).as("chunks the first run wrote").isNotEmpty().hasSizeLessThan(dataChunks().size());

        server = InstallFixtureServer.start(IMAGE, "/dev/vda");
        ExternalTool.Result second = install();

        assertVerified(second, server);
        assertThat(head(disk, IMAGE.length)).isEqualTo(IMAGE);
        List<Integer> missing = dataChunks().stream().filter(i -> !alreadyRight.contains(i)).toList();
        assertThat(server.rangedChunks()).containsExactlyInAnyOrderElementsOf(missing);
    }

    @Test
    void aConnectionDroppedMidChunkIsRetriedFromThatChunk() throws Exception {
        Path disk = disk("vda", GIB, false);
        server = InstallFixtureServer.start(IMAGE, "/dev/vda");
        server.dropOnce(4);

        ExternalTool.Result result = install();

        assertVerified(result, server);
        assertThat(head(disk, IMAGE.length)).isEqualTo(IMAGE);
        assertThat(server.rangedChunks()).filteredOn(i -> i == 4).hasSize(2);
        assertThat(server.rangedChunks()).hasSize(dataChunks().size() + 1);
        assertThat(result.output()).contains("metis-install: chunk 4: the answer broke off after " + CHUNK / 2 + " of " + CHUNK
                + " bytes; trying again in 1 s");
    }

    @Test
    void aChunkThatDoesNotMatchThePlanOnTheDiskFailsTheVerifyAndIsNeverReportedVerified() throws Exception {
        disk("vda", GIB, false);
        server = InstallFixtureServer.start(IMAGE, "/dev/vda");
        server.wrongOnce(5);

        ExternalTool.Result result = install();

        assertThat(result.exitCode()).as(result.output()).isEqualTo(1);
        assertThat(server.steps()).contains("started", "failed").doesNotContain("verified", "rebooting");
        String reason = "verify: chunk 5 (bytes " + 5L * CHUNK + "-" + (6L * CHUNK - 1) + ") on /dev/vda differs from the image";
        assertThat(server.events().get(server.events().size() - 1)).isEqualTo(Map.of("step", "failed", "message", reason));
        assertThat(result.output()).contains("metis-install: failed: " + reason);
    }

    @Test
    void aDiskSmallerThanTheImageFailsBeforeAnythingIsWritten() throws Exception {
        Path disk = disk("vda", 64L * 1024 * 1024, false);
        server = InstallFixtureServer.start(IMAGE, "/dev/vda");

        ExternalTool.Result result = install();

        assertThat(result.exitCode()).as(result.output()).isEqualTo(1);
        assertThat(server.steps()).containsExactly("failed");
        assertThat(server.events().get(0).get("message")).isEqualTo("disk /dev/vda (vda): it has 67108864 bytes, "
                + "fewer than the image's " + IMAGE.length + "; disks seen: vda (64 MiB)");
        assertThat(server.rangedChunks()).isEmpty();
        assertThat(untouched(disk)).isTrue();
    }

    @Test
    void aDiskThatIsNotThereIsNamedWithTheDisksSeen() throws Exception {
        disk("vda", GIB, false);
        disk("sda", GIB, true);
        server = InstallFixtureServer.start(IMAGE, "/dev/disk/by-id/nvme-missing");

        ExternalTool.Result result = install();

        assertThat(result.exitCode()).isEqualTo(1);
        assertThat(server.events()).containsExactly(Map.of("step", "failed", "message",
                "disk /dev/disk/by-id/nvme-missing does not exist; disks seen: sda (1024 MiB, removable); vda (1024 MiB)"));
    }

    @Test
    void autoTakesTheOnlyDiskThatIsNeitherRemovableNorInUseNorTooSmall() throws Exception {
        Path usb = disk("sda", 4 * GIB, true);
        disk("sdb", 4 * GIB, false);
        mountedPartition("sdb", "sdb1", "/srv");
        disk("vdb", 32L * 1024 * 1024, false);
        disk("loop0", GIB, false);
        Path target = disk("nvme0n1", GIB, false);
        server = InstallFixtureServer.start(IMAGE, "auto");

        ExternalTool.Result result = install();

        assertVerified(result, server);
        assertThat(server.events().get(0)).isEqualTo(Map.of("step", "started", "disk", "/dev/nvme0n1"));
        assertThat(head(target, IMAGE.length)).isEqualTo(IMAGE);
        assertThat(untouched(usb)).isTrue();
    }

    @Test
    void autoNeverFallsBackToARemovableDisk() throws Exception {
        Path usb = disk("sda", 4 * GIB, true);
        disk("sdb", 4 * GIB, false);
        mountedPartition("sdb", "sdb1", "/");
        server = InstallFixtureServer.start(IMAGE, "auto");

        ExternalTool.Result result = install();

        assertThat(result.exitCode()).isEqualTo(1);
        assertThat(server.events()).containsExactly(Map.of("step", "failed", "message", "disk auto: no disk that is "
                + "not removable, not in use and at least " + IMAGE.length + " bytes; disks seen: sda (4096 MiB, "
                + "removable); sdb (4096 MiB, in use: sdb1 on /)"));
        assertThat(untouched(usb)).isTrue();
    }
}
