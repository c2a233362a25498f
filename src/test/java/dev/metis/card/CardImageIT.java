package dev.metis.card;

import static dev.metis.card.GoldenImageBuilder.BOOT_OFFSET;
import static dev.metis.card.GoldenImageBuilder.BOOT_SIZE;
import static dev.metis.card.GoldenImageBuilder.mtools;
import static dev.metis.testing.ExternalTool.runSuccessfully;
import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.metis.files.Sha256;
import dev.metis.state.BurnHistory;
import dev.metis.testing.Cli;
import dev.metis.testing.ExternalTool;
import dev.metis.testing.InventoryFixture;
import dev.metis.testing.ServerFixture;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code metis image} on golden images shaped like Ubuntu, Armbian and a GPT Raspberry Pi OS card, raw and
 * compressed: the card carries exactly the seed the HTTP server serves (user-data as {@code metis render}
 * prints it: the server gives a card node's secrets to no one), fsck.fat and mtools accept it, and nothing
 * outside the boot partition changes. Bad images fail with nothing written.
 */
class CardImageIT {

    static final String CANARY = "K10canary-card-secret-5b8f0c1e";
    static final String UBUNTU_MAC = "dc:a6:32:00:00:01";
    static final Map<String, String> MACS = Map.of("pi-ubuntu", UBUNTU_MAC, "pi-ubuntu-xz", "dc:a6:32:00:00:02",
            "pi-armbian", "dc:a6:32:00:00:03", "pi-rpios", "dc:a6:32:00:00:04", "pi-ubuntu-blocks", "dc:a6:32:00:00:08");

    @TempDir
    static Path dir;
    static ServerFixture server;
    static Map<String, Path> raw;
    static Path inventory;

    @BeforeAll
    static void images() throws Exception {
        Files.createDirectories(dir.resolve("images"));
        Path images = dir.resolve("images");
        Path ubuntu = GoldenImageBuilder.build(images, "ubuntu.img", GoldenImageBuilder.Shape.UBUNTU, 48);
        Path armbian = GoldenImageBuilder.build(images, "armbian.img", GoldenImageBuilder.Shape.ARMBIAN, 48);
        Path rpios = GoldenImageBuilder.build(images, "rpios.img", GoldenImageBuilder.Shape.RPI_OS_GPT, 48);
        raw = Map.of("pi-ubuntu", ubuntu, "pi-ubuntu-xz", ubuntu, "pi-ubuntu-blocks", ubuntu, "pi-armbian", armbian, "pi-rpios", rpios);
        Path ubuntuXz = GoldenImageBuilder.compress(ubuntu, "xz");
        Path ubuntuBlocks = GoldenImageBuilder.compress(ubuntu, "xz-blocks");
        Path armbianGz = GoldenImageBuilder.compress(armbian, "gzip");
        Path rpiosZst = GoldenImageBuilder.compress(rpios, "zstd");
        Path truncated = images.resolve("truncated.img.xz");
        byte[] xz = Files.readAllBytes(ubuntuXz);
        Files.write(truncated, Arrays.copyOf(xz, xz.length / 2));
        Path noFat = images.resolve("nofat.img");
        Files.write(noFat, Files.readAllBytes(ubuntu));
        try (RandomAccessFile file = new RandomAccessFile(noFat.toFile(), "rw")) {
            file.seek(446 + 4);
            file.write(0x83);   // the boot partition's type becomes Linux
        }
        Path zstTruncated = images.resolve("truncated.img.zst");
        byte[] zst = Files.readAllBytes(rpiosZst);
        Files.write(zstTruncated, Arrays.copyOf(zst, zst.length * 3 / 5));
        Path xzCorrupt = images.resolve("corrupt.img.xz");
        byte[] corrupt = xz.clone();
        corrupt[corrupt.length * 3 / 5] ^= 0x10;   // inside the block's data: the index at the end still reads
        Files.write(xzCorrupt, corrupt);
        Path gzTrailing = images.resolve("trailing.img.gz");
        Files.copy(armbianGz, gzTrailing);
        Files.writeString(gzTrailing, "garbage after the stream", java.nio.file.StandardOpenOption.APPEND);
        Path overlap = crafted(ubuntu, images.resolve("overlap.img"), (file, b) -> {
            b.putInt(446 + 16 + 8, (int) (BOOT_OFFSET / 512 + 1000));   // partition 2 now starts inside partition 1
            file.write(b.array(), 0, 512);
        });
        Path gptOverflow = crafted(rpios, images.resolve("gpt-overflow.img"), (file, b) -> {
            // The boot entry's LBAs times 512 wrap around to its real place; the CRCs are made to match.
            b.putLong(1024 + 32, (1L << 55) + b.getLong(1024 + 32)).putLong(1024 + 40, (1L << 55) + b.getLong(1024 + 40));
            java.util.zip.CRC32 entries = new java.util.zip.CRC32();
            entries.update(b.array(), 1024, 128 * 128);
            b.putInt(512 + 88, (int) entries.getValue()).putInt(512 + 16, 0);
            java.util.zip.CRC32 header = new java.util.zip.CRC32();
            header.update(b.array(), 512, b.getInt(512 + 12));
            b.putInt(512 + 16, (int) header.getValue());
            file.write(b.array(), 0, 1024 + 128 * 128);
        });
        Path gzShort = GoldenImageBuilder.compress(crafted(armbian, images.resolve("short.img"), (file, b) -> {
            b.putInt(446 + 16 + 12, b.getInt(446 + 16 + 12) + 1000);   // partition 2 now ends past the image
            file.write(b.array(), 0, 512);
        }), "gzip");
        Path fatDamaged = crafted(ubuntu, images.resolve("fat-damaged.img"), (file, b) -> {
            file.seek(BOOT_OFFSET + 32);
            file.write(new byte[] {100, 0, 0, 0});   // a FAT32 of 100 sectors: fewer than its own FATs take
        });
        Files.createDirectories(dir.resolve("overlay/extra"));
        Files.writeString(dir.resolve("overlay/usercfg.txt"), "dtoverlay=disable-wifi\n");
        Files.writeString(dir.resolve("overlay/extra/notes.txt"), "from the class's boot overlay\n");
        Files.writeString(dir.resolve("secrets.yaml"), "defaults:\n  k3s_token: " + CANARY + "\n");
        Files.setPosixFilePermissions(dir.resolve("secrets.yaml"), java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));

        server = new ServerFixture(dir);
        inventory = server.inventory;
        Files.writeString(inventory, """
                site:
                  name: test
                  domain: t.example
                  server_url: http://127.0.0.1:%d
                  k3s_server: https://192.0.2.10:6443
                  ssh_authorized_keys: [ssh-ed25519 AAAAtest site@key]
                  secrets: {source: file, file: secrets.yaml}
                classes:
                  pi:
                    arch: arm64
                    delivery: sdcard
                    gateway: 192.0.2.1
                    k3s: {role: agent}
                    boot_overlay: overlay
                nodes:
                  pi-ubuntu:    {class: pi, mac: "%s", ip: 192.0.2.31/24, image: {path: images/ubuntu.img, sha256: %s}}
                  pi-ubuntu-xz: {class: pi, mac: dc:a6:32:00:00:02, ip: 192.0.2.32/24, image: {path: images/ubuntu.img.xz, sha256: %s}}
                  pi-ubuntu-blocks: {class: pi, mac: dc:a6:32:00:00:08, ip: 192.0.2.38/24, image: {path: images/ubuntu.img.blocks.xz, sha256: %s}}
                  pi-armbian:   {class: pi, mac: dc:a6:32:00:00:03, ip: 192.0.2.33/24, interface: end0, image: {path: images/armbian.img.gz, sha256: %s}}
                  pi-rpios:     {class: pi, mac: dc:a6:32:00:00:04, ip: 192.0.2.34/24, image: {path: images/rpios.img.zst, sha256: %s}}
                  pi-wronghash: {class: pi, mac: dc:a6:32:00:00:05, ip: 192.0.2.35/24, image: {path: images/ubuntu.img.xz, sha256: %s}}
                  pi-truncated: {class: pi, mac: dc:a6:32:00:00:06, ip: 192.0.2.36/24, image: {path: images/truncated.img.xz, sha256: %s}}
                  pi-nofat:     {class: pi, mac: dc:a6:32:00:00:07, ip: 192.0.2.37/24, image: {path: images/nofat.img, sha256: %s}}
                  pi-zst-truncated: {class: pi, mac: dc:a6:32:00:00:09, ip: 192.0.2.39/24, image: {path: images/truncated.img.zst, sha256: %s}}
                  pi-xz-corrupt: {class: pi, mac: dc:a6:32:00:00:0a, ip: 192.0.2.40/24, image: {path: images/corrupt.img.xz, sha256: %s}}
                  pi-gz-trailing: {class: pi, mac: dc:a6:32:00:00:0b, ip: 192.0.2.41/24, image: {path: images/trailing.img.gz, sha256: %s}}
                  pi-overlap: {class: pi, mac: dc:a6:32:00:00:0c, ip: 192.0.2.42/24, image: {path: images/overlap.img, sha256: %s}}
                  pi-gpt-overflow: {class: pi, mac: dc:a6:32:00:00:0d, ip: 192.0.2.43/24, image: {path: images/gpt-overflow.img, sha256: %s}}
                  pi-fat-damaged: {class: pi, mac: dc:a6:32:00:00:0e, ip: 192.0.2.44/24, image: {path: images/fat-damaged.img, sha256: %s}}
                  pi-gz-short: {class: pi, mac: dc:a6:32:00:00:0f, ip: 192.0.2.45/24, image: {path: images/short.img.gz, sha256: %s}}
                """.formatted(server.port, UBUNTU_MAC, sha(ubuntu), sha(ubuntuXz), sha(ubuntuBlocks), sha(armbianGz), sha(rpiosZst),
                "0".repeat(64), sha(truncated), sha(noFat), sha(zstTruncated), sha(xzCorrupt), sha(gzTrailing), sha(overlap),
                sha(gptOverflow), sha(fatDamaged), sha(gzShort)));
        server.start();
    }

    @AfterAll
    static void stop() throws IOException {
        server.close();
    }

    @ParameterizedTest
    @ValueSource(strings = {"pi-ubuntu", "pi-ubuntu-xz", "pi-ubuntu-blocks", "pi-armbian", "pi-rpios"})
    void imageCarriesExactlyTheSeedTheServerServes(String node) throws Exception {
        Path output = dir.resolve(node + ".out.img");
        Cli.Run run = image(node, output);
        assertThat(run.exitCode()).as(run.all()).isZero();
        assertThat(run.out()).contains("written to " + output).contains("OK");
        assertThat(run.all()).doesNotContain(CANARY);

        String mac = MACS.get(node);
        for (String seedFile : List.of("meta-data", "network-config", "vendor-data")) {
            byte[] served = server.getBytes("/nocloud/" + mac + "/" + seedFile).body();
            assertThat(GoldenImageBuilder.mtype(output, seedFile)).as(seedFile).isEqualTo(served);
        }
        // A card node never fetches its seed, so no script gives it a seed token and the server keeps its
        // user-data to itself; the card holds what the one renderer, behind the server too, renders.
        assertThat(server.get("/nocloud/" + mac + "/user-data").statusCode()).isEqualTo(403);
        // With the state directory image used: the phone-home key comes from its site key.
        Cli.Run rendered = Cli.run("render", "--inventory", inventory.toString(), "--node", node, "user-data",
                "--reveal-secrets", "--state-dir", dir.resolve("state-" + node).toString());
        assertThat(rendered.exitCode()).as(rendered.err()).isZero();
        assertThat(GoldenImageBuilder.mtype(output, "user-data")).isEqualTo(rendered.out().getBytes(StandardCharsets.UTF_8));
        assertThat(new String(GoldenImageBuilder.mtype(output, "user-data"), StandardCharsets.UTF_8)).contains(CANARY);
        assertThat(GoldenImageBuilder.mtype(output, "usercfg.txt")).isEqualTo(Files.readAllBytes(dir.resolve("overlay/usercfg.txt")));
        assertThat(GoldenImageBuilder.mtype(output, "extra/notes.txt")).isEqualTo(Files.readAllBytes(dir.resolve("overlay/extra/notes.txt")));
        String record = new String(GoldenImageBuilder.mtype(output, CardSeed.RECORD), StandardCharsets.UTF_8);
        assertThat(record).contains("\"node\" : \"" + node + "\"").doesNotContain(CANARY);

        String instanceId = new String(GoldenImageBuilder.mtype(output, "meta-data"), StandardCharsets.UTF_8)
                .replaceAll("(?s).*instance-id: (\\S+).*", "$1");
        GoldenImageBuilder.Shape shape = shapeOf(node);
        if (shape.files.containsKey("cmdline.txt")) {
            assertThat(new String(GoldenImageBuilder.mtype(output, "cmdline.txt"), StandardCharsets.UTF_8))
                    .isEqualTo(shape.files.get("cmdline.txt").strip() + " ds=nocloud;i=" + instanceId + "\n");
        }
        if (shape.files.containsKey("config.txt")) {
            assertThat(new String(GoldenImageBuilder.mtype(output, "config.txt"), StandardCharsets.UTF_8)).isEqualTo(shape.files.get("config.txt"));
        }
        assertThat(GoldenImageBuilder.mtype(output, "README-with-a-long-name.txt") != null || shape != GoldenImageBuilder.Shape.UBUNTU).isTrue();
        assertThat(runSuccessfully(dir, ExternalTool.require("mlabel").toString(), "-s", "-i", mtools(output), "::").output())
                .containsIgnoringCase(shape.label);
        GoldenImageBuilder.fsckClean(output);
        assertThat(runSuccessfully(dir, ExternalTool.require("mdir").toString(), "-i", mtools(output), "::").output())
                .as("short aliases of names without a dot get no extension").doesNotContainPattern("~\\d+ +_ ");
        assertOutsideBootPartitionUnchanged(raw.get(node), output);
        assertThat(Files.list(dir).map(Path::toString).filter(p -> p.endsWith(".partial")).toList()).isEmpty();

        List<BurnHistory.Burn> history = new BurnHistory(dir.resolve("state-" + node)).recent(10).stream()
                .filter(burn -> burn.target().equals(output.toString())).toList();
        assertThat(history).singleElement().satisfies(burn -> {
            assertThat(burn.result()).isEqualTo("ok");
            assertThat(burn.kind()).isEqualTo("image");
            assertThat(burn.instanceId()).startsWith("metis-");
        });
    }

    @Test
    void injectingAnInjectedImageAgainLeavesOneSeedArgument() throws Exception {
        Path first = dir.resolve("again-1.img");
        assertThat(image("pi-ubuntu", first).exitCode()).isZero();
        Path again = InventoryFixture.write(dir, "again.yaml", Files.readString(inventory)
                .replace("images/ubuntu.img, sha256: " + sha(dir.resolve("images/ubuntu.img")),
                        first.getFileName() + ", sha256: " + sha(first)));
        Path second = dir.resolve("again-2.img");
        Cli.Run run = Cli.run("image", "--inventory", again.toString(), "--node", "pi-ubuntu", "--output", second.toString(),
                "--cache", dir.resolve("cache").toString(), "--state-dir", dir.resolve("state-again").toString());
        assertThat(run.exitCode()).as(run.all()).isZero();
        String cmdline = new String(GoldenImageBuilder.mtype(second, "cmdline.txt"), StandardCharsets.UTF_8);
        assertThat(cmdline.split("ds=nocloud", -1)).hasSize(2);
        assertThat(cmdline).isEqualTo(new String(GoldenImageBuilder.mtype(first, "cmdline.txt"), StandardCharsets.UTF_8));
        assertThat(cmdline.lines().count()).isEqualTo(1);
        GoldenImageBuilder.fsckClean(second);
    }

    @ParameterizedTest
    @ValueSource(strings = {"pi-wronghash", "pi-truncated", "pi-nofat"})
    void badGoldenImageFailsWithNothingWritten(String node) throws Exception {
        Path output = dir.resolve(node + ".out.img");
        Cli.Run run = image(node, output);
        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.err()).contains(switch (node) {
            case "pi-wronghash" -> "has SHA-256";
            case "pi-truncated" -> "corrupt or truncated";
            default -> "has no FAT partition";
        });
        assertThat(output).doesNotExist();
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files.map(Path::toString).filter(p -> p.endsWith(".partial"))).isEmpty();
        }
        assertThat(new BurnHistory(dir.resolve("state-" + node)).recent(1)).singleElement()
                .satisfies(burn -> assertThat(burn.result()).isEqualTo("failed"));
    }

    @Test
    void aPartialLeftByAKilledRunIsRemovedByTheNextRunForThatOutput() throws Exception {
        Process exited = new ProcessBuilder("true").start();
        assertThat(exited.waitFor()).isZero();
        Path killedRun = dir.resolve(".left.img." + exited.pid() + "-123.partial");
        Path liveRun = dir.resolve(".left.img." + ProcessHandle.current().pid() + "-456.partial");
        Path otherOutput = dir.resolve(".left.img.x." + exited.pid() + "-789.partial");
        for (Path partial : List.of(killedRun, liveRun, otherOutput)) {
            Files.write(partial, new byte[4096]);
        }
        try {
            Cli.Run run = image("pi-ubuntu", dir.resolve("left.img"));
            assertThat(run.exitCode()).as(run.all()).isZero();
            assertThat(killedRun).as("its process is gone").doesNotExist();
            assertThat(liveRun).as("its process still runs").exists();
            assertThat(otherOutput).as("another output's").exists();
        } finally {
            Files.deleteIfExists(liveRun);
            Files.deleteIfExists(otherOutput);
        }
    }

    /** A damaged copy of {@code golden}: {@code damage} gets the file and its first MiB, read. */
    private static Path crafted(Path golden, Path copy, Damage damage) throws Exception {
        Files.copy(golden, copy);
        try (RandomAccessFile file = new RandomAccessFile(copy.toFile(), "rw")) {
            java.nio.ByteBuffer head = java.nio.ByteBuffer.allocate(1 << 20).order(java.nio.ByteOrder.LITTLE_ENDIAN);
            file.readFully(head.array());
            file.seek(0);
            damage.apply(file, head);
        }
        return copy;
    }

    private interface Damage {
        void apply(RandomAccessFile file, java.nio.ByteBuffer head) throws IOException;
    }

    /**
     * Crafted images, each with the SHA-256 the inventory gives: {@code plan} refuses each with what is wrong
     * (never "safe yes"), and {@code image} then refuses it the same way with nothing written.
     */
    @ParameterizedTest
    @ValueSource(strings = {"pi-wronghash", "pi-zst-truncated", "pi-xz-corrupt", "pi-gz-trailing", "pi-overlap",
            "pi-gpt-overflow", "pi-fat-damaged", "pi-gz-short"})
    void planRefusesWhatImageRefusesSayingWhatIsWrong(String node) throws Exception {
        String image = switch (node) {
            case "pi-wronghash" -> "images/ubuntu.img.xz";
            case "pi-zst-truncated" -> "images/truncated.img.zst";
            case "pi-xz-corrupt" -> "images/corrupt.img.xz";
            case "pi-gz-trailing" -> "images/trailing.img.gz";
            case "pi-overlap" -> "images/overlap.img";
            case "pi-gpt-overflow" -> "images/gpt-overflow.img";
            case "pi-gz-short" -> "images/short.img.gz";
            default -> "images/fat-damaged.img";
        };
        String wrong = switch (node) {
            case "pi-wronghash" -> "for node pi-wronghash has SHA-256 " + sha(dir.resolve(image));
            case "pi-zst-truncated", "pi-xz-corrupt" -> "is corrupt or truncated at byte";
            case "pi-gz-trailing" -> "more bytes follow that are not another gzip member (trailing data)";
            case "pi-overlap" -> "partitions 1 and 2 overlap: 1 ends at byte " + (BOOT_OFFSET + BOOT_SIZE)
                    + ", 2 starts at byte " + (BOOT_OFFSET + 1000 * 512);
            case "pi-gpt-overflow" -> "GPT entry 1: its first LBA " + ((1L << 55) + BOOT_OFFSET / 512)
                    + " lies beyond any disk";
            case "pi-gz-short" -> "ends at byte " + 48 * GoldenImageBuilder.MIB + ", but its partition table has"
                    + " partitions up to byte " + (48 * GoldenImageBuilder.MIB + 1000 * 512);
            default -> "boot partition 1: the FAT file system is damaged: its reserved sectors, FATs and root directory";
        };
        Path target = dir.resolve(node + ".plan-target.img");
        Files.write(target, new byte[4096]);
        Cli.Run plan = Cli.run("plan", "--inventory", inventory.toString(), "--node", node, "--device", target.toString(),
                "--cache", dir.resolve("crafted-cache").toString());
        assertThat(plan.exitCode()).as(plan.all()).isEqualTo(1);
        assertThat(plan.out()).doesNotContain("safe       yes");
        assertThat(plan.err()).contains("golden image " + dir.resolve(image)).contains(wrong);

        Path output = dir.resolve(node + ".out.img");
        Cli.Run run = image(node, output);
        assertThat(run.exitCode()).as(run.all()).isEqualTo(1);
        assertThat(run.err()).contains("golden image " + dir.resolve(image)).contains(wrong).doesNotContain("writing failed");
        assertThat(output).doesNotExist();

        // With the cache image left (a chunk manifest, so a raw image's bulk would go first), and the card as it was.
        Path card = dir.resolve(node + ".card.img");
        byte[] before = new byte[64 << 20];
        Arrays.fill(before, (byte) 0x55);
        Files.write(card, before);
        Cli.Run burn = Cli.run("burn", "--inventory", inventory.toString(), "--node", node, "--device", card.toString(),
                "--yes", "--cache", dir.resolve("cache").toString(), "--state-dir", dir.resolve("state-" + node).toString());
        assertThat(burn.exitCode()).as(burn.all()).isEqualTo(1);
        // The whole pass that burn makes first records the gzip image's size, which the partition table then exceeds.
        assertThat(burn.err()).contains("golden image " + dir.resolve(image)).contains(node.equals("pi-gz-short")
                ? "partition 2 (" + (4 * GoldenImageBuilder.MIB + 1000 * 512) + " bytes at byte " + (BOOT_OFFSET + BOOT_SIZE)
                        + ") lies outside the image (" + 48 * GoldenImageBuilder.MIB + " bytes)" : wrong);
        assertThat(card).as("the card as it was").hasBinaryContent(before);
        Files.delete(card);
    }

    @Test
    void planDecompressesAnImageWholeOnceAndThenGoesByTheRecord() throws Exception {
        List<String> plan = List.of("plan", "--inventory", inventory.toString(), "--node", "pi-armbian", "--cache",
                dir.resolve("plan-record-cache").toString());
        Cli.Run first = Cli.run(plan.toArray(String[]::new));
        assertThat(first.exitCode()).as(first.all()).isZero();
        assertThat(first.out()).contains("check      SHA-256 matches, the whole file")
                .contains("stream     gzip decompresses whole, checked now and recorded in the cache")
                .contains("format     gzip, 48.0 MiB written");
        Cli.Run second = Cli.run(plan.toArray(String[]::new));
        assertThat(second.exitCode()).as(second.all()).isZero();
        assertThat(second.out()).contains("check      SHA-256 matches, by 4 MiB chunks against the manifest")
                .contains("stream     gzip decompresses whole, as recorded in the cache by an earlier whole pass")
                .contains("format     gzip, 48.0 MiB written");
    }

    @Test
    void anImageDamagedAfterItsFirstCheckIsCaughtByItsChunksWithNothingWritten() throws Exception {
        Path copy = dir.resolve("images/damaged-later.img");
        Files.copy(raw.get("pi-ubuntu"), copy);
        Path inv = InventoryFixture.write(dir, "damaged.yaml", Files.readString(inventory)
                .replace("images/ubuntu.img, sha256: ", "images/damaged-later.img, sha256: "));
        Path cache = dir.resolve("damaged-cache");
        List<String> common = List.of("--inventory", inv.toString(), "--node", "pi-ubuntu", "--cache", cache.toString(),
                "--state-dir", dir.resolve("state-damaged").toString());
        Cli.Run first = Cli.run(Stream.concat(Stream.of("image", "--output", dir.resolve("damaged-1.img").toString()),
                common.stream()).toArray(String[]::new));
        assertThat(first.exitCode()).as(first.all()).isZero();
        assertThat(cache.resolve(sha(copy) + ".chunks")).as("the manifest the whole-file check leaves").exists();

        try (RandomAccessFile file = new RandomAccessFile(copy.toFile(), "rw")) {
            file.seek(file.length() - 1000);
            int b = file.read();
            file.seek(file.length() - 1000);
            file.write(b ^ 0x01);
        }
        Path output = dir.resolve("damaged-2.img");
        Cli.Run image = Cli.run(Stream.concat(Stream.of("image", "--output", output.toString()), common.stream())
                .toArray(String[]::new));
        assertThat(image.exitCode()).isEqualTo(1);
        assertThat(image.err()).contains("has SHA-256").contains("refusing");
        assertThat(output).doesNotExist();
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files.map(Path::toString).filter(p -> p.endsWith(".partial"))).isEmpty();
        }

        Path card = dir.resolve("damaged-card.img");
        byte[] before = new byte[64 << 20];
        Arrays.fill(before, (byte) 0x55);
        Files.write(card, before);
        Cli.Run burn = Cli.run(Stream.concat(Stream.of("burn", "--device", card.toString(), "--yes"), common.stream())
                .toArray(String[]::new));
        assertThat(burn.exitCode()).isEqualTo(1);
        assertThat(burn.err()).contains("differs in its chunk at byte").contains("refusing");
        assertThat(card).hasBinaryContent(before);
    }

    @Test
    void urlImageIsDownloadedOnceThenServedFromTheCacheOffline() throws Exception {
        Path xz = dir.resolve("images/ubuntu.img.xz");
        HttpServer http = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        http.createContext("/ubuntu.img.xz", exchange -> {
            byte[] body = Files.readAllBytes(xz);
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        http.start();
        Path inv = InventoryFixture.write(dir, "url.yaml", Files.readString(inventory).replace(
                "path: images/ubuntu.img.xz, sha256: " + sha(xz),
                "url: http://127.0.0.1:" + http.getAddress().getPort() + "/ubuntu.img.xz, sha256: " + sha(xz)));
        Path cache = dir.resolve("url-cache");
        try {
            Cli.Run first = Cli.run("image", "--inventory", inv.toString(), "--node", "pi-ubuntu-xz", "--output",
                    dir.resolve("url-1.img").toString(), "--cache", cache.toString(), "--state-dir", dir.resolve("state-url").toString());
            assertThat(first.exitCode()).as(first.all()).isZero();
            assertThat(first.err()).contains("download");
        } finally {
            http.stop(0);
        }
        assertThat(cache.resolve(sha(xz))).hasSameBinaryContentAs(xz);
        Cli.Run offline = Cli.run("image", "--inventory", inv.toString(), "--node", "pi-ubuntu-xz", "--output",
                dir.resolve("url-2.img").toString(), "--cache", cache.toString(), "--state-dir", dir.resolve("state-url").toString());
        assertThat(offline.exitCode()).as(offline.all()).isZero();
        assertThat(offline.err()).doesNotContain("download");

        Files.write(cache.resolve(sha(xz)), new byte[] {1, 2, 3}, java.nio.file.StandardOpenOption.APPEND);
        Cli.Run corrupt = Cli.run("image", "--inventory", inv.toString(), "--node", "pi-ubuntu-xz", "--output",
                dir.resolve("url-3.img").toString(), "--cache", cache.toString(), "--state-dir", dir.resolve("state-url").toString());
        assertThat(corrupt.exitCode()).isEqualTo(1);
        assertThat(corrupt.err()).contains("has SHA-256").contains("refusing");
        assertThat(dir.resolve("url-3.img")).doesNotExist();
    }

    @Test
    void unreachableVaultFailsTheImageNamingNodeAndPath() throws Exception {
        Path inv = InventoryFixture.write(dir, "vault.yaml", Files.readString(inventory)
                .replace("secrets: {source: file, file: secrets.yaml}", "secrets: {source: vault, vault: {timeout: 2s}}"));
        Path output = dir.resolve("vault.img");
        Cli.Run run = Cli.run(Map.of("VAULT_ADDR", "http://127.0.0.1:" + ServerFixture.freePort(), "VAULT_TOKEN",
                "hvs.canary-token-never-printed"), "image", "--inventory", inv.toString(), "--node", "pi-ubuntu",
                "--output", output.toString(), "--cache", dir.resolve("cache").toString(), "--state-dir",
                dir.resolve("state-vault").toString());
        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.err()).contains("node pi-ubuntu").contains("secret/data/nodes/pi-ubuntu").contains("unreachable")
                .doesNotContain("hvs.canary-token-never-printed");
        assertThat(output).doesNotExist();
    }

    @Test
    void imageSaysWhereItRecordedTheRunAndWhoseSiteKeyTheCardCarries() throws Exception {
        Path state = dir.resolve("state-of-the-environment");
        List<String> args = List.of("image", "--inventory", inventory.toString(), "--node", "pi-ubuntu", "--output",
                dir.resolve("told.img").toString(), "--cache", dir.resolve("cache").toString());
        Cli.Run first = Cli.run(Map.of("METIS_STATE_DIR", state.toString()), args.toArray(String[]::new));
        assertThat(first.exitCode()).as(first.all()).isZero();
        assertThat(first.out()).contains("recorded in " + state.resolve(BurnHistory.FILE) + ": a server with --state-dir "
                + state + " lists it on its page").contains("phone-home key from " + state.resolve("site.key")
                + " (made by this run): only a server with --state-dir " + state + " (or a copy of that key) accepts");
        assertThat(new BurnHistory(state).recent(1)).singleElement().satisfies(burn -> assertThat(burn.node()).isEqualTo("pi-ubuntu"));
        Cli.Run second = Cli.run(Map.of("METIS_STATE_DIR", state.toString()), args.toArray(String[]::new));
        assertThat(second.out()).contains("phone-home key from " + state.resolve("site.key") + ": only a server");
    }

    @Test
    void planShowsLayoutAndInjectionAndChangesNothing() throws Exception {
        Path target = dir.resolve("plan-target.img");
        Files.write(target, new byte[4096]);
        Cli.Run run = Cli.run("plan", "--inventory", inventory.toString(), "--node", "pi-ubuntu-xz", "--device",
                target.toString(), "--cache", dir.resolve("cache").toString());
        assertThat(run.exitCode()).as(run.all()).isZero();
        assertThat(run.out()).contains("MBR").contains("system-boot").contains("FAT32").contains("user-data")
                .contains("ds=nocloud;i=metis-").contains("safe       yes").doesNotContain(CANARY);
        assertThat(target).hasBinaryContent(new byte[4096]);
    }

    static Cli.Run image(String node, Path output) {
        return Cli.run("image", "--inventory", inventory.toString(), "--node", node, "--output", output.toString(),
                "--cache", dir.resolve("cache").toString(), "--state-dir", dir.resolve("state-" + node).toString());
    }

    static GoldenImageBuilder.Shape shapeOf(String node) {
        return node.startsWith("pi-ubuntu") ? GoldenImageBuilder.Shape.UBUNTU
                : node.equals("pi-armbian") ? GoldenImageBuilder.Shape.ARMBIAN : GoldenImageBuilder.Shape.RPI_OS_GPT;
    }

    static void assertOutsideBootPartitionUnchanged(Path golden, Path output) throws IOException {
        byte[] before = Files.readAllBytes(golden);
        byte[] after = Files.readAllBytes(output);
        assertThat(after.length).isEqualTo(before.length);
        assertThat(Arrays.equals(before, 0, (int) BOOT_OFFSET, after, 0, (int) BOOT_OFFSET)).as("before the boot partition").isTrue();
        int end = (int) (BOOT_OFFSET + BOOT_SIZE);
        assertThat(Arrays.equals(before, end, before.length, after, end, after.length)).as("after the boot partition").isTrue();
    }

    static String sha(Path file) throws IOException {
        return Sha256.hex(Files.readAllBytes(file));
    }
}
