package dev.metis.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.metis.testing.ExternalTool;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The recovery environment that deploy/recovery/build makes, booted in QEMU (TCG) straight from its kernel
 * and initramfs on a lab's tap0, against {@link InstallFixtureServer} running in the lab's server namespace:
 * BIOS with virtio-net and a SATA disk on AHCI, UEFI with e1000e and an NVMe disk. Each machine writes a
 * 64 MiB image to its empty disk with the plan's disk {@code auto}, verifies it, reports and reboots
 * (about 20 s a boot under TCG; the first build downloads Debian's kernel package, 70 MB). A third one,
 * given a port where nothing listens, says so on its console and keeps asking.
 */
class RecoveryQemuIT {

    private static final String FIXTURE_ADDRESS = "10.77.0.2";
    private static final int FIXTURE_PORT = 8090;
    private static final int CHUNK = InstallFixtureServer.CHUNK;
    /** 16 chunks; those at 0, 4, 8 and 12 hold data, the others are zeros. */
    private static final List<Integer> DATA_CHUNKS = List.of(0, 4, 8, 12);

    @TempDir
    static Path dir;

    private static NetbootLab lab;
    private static Process fixture;
    private static Path recovery;
    private static byte[] image;

    @BeforeAll
    static void start() throws Exception {
        lab = NetbootLab.up(dir);
        ExternalTool.require("busybox");
        recovery = dir.resolve("recovery");
        ExternalTool.runSuccessfully(dir, Path.of("deploy/recovery/build").toAbsolutePath().toString(),
                recovery.toString());
        image = new byte[16 * CHUNK];
        Random random = new Random(16);
        for (int index : DATA_CHUNKS) {
            byte[] data = new byte[CHUNK];
            random.nextBytes(data);
            System.arraycopy(data, 0, image, index * CHUNK, CHUNK);
        }
        Files.write(dir.resolve("image"), image);
        Path classes = Path.of(InstallFixtureServer.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        Path log = dir.resolve("fixture.log");
        fixture = lab.startInServer(log, Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
                classes.toString(), InstallFixtureServer.class.getName(), dir.resolve("image").toString(), "auto",
                FIXTURE_ADDRESS, Integer.toString(FIXTURE_PORT), record().toString());
        for (int i = 0; i < 300 && !Files.readString(log).contains("listening"); i++) {
            assertThat(fixture.isAlive()).as(Files.readString(log)).isTrue();
            Thread.sleep(100);
        }
        assertThat(Files.readString(log)).contains("listening");
    }

    @AfterAll
    static void stop() throws Exception {
        if (fixture != null) {
            NetbootLab.stop(fixture);
        }
        if (lab != null) {
            lab.close();
        }
    }

    @Test
    void biosWithVirtioNetWritesTheImageToASataDiskOnAhci() throws Exception {
        String console = install("bios", List.of("-device", "virtio-net-pci,netdev=n0,mac=" + InstallFixtureServer.MAC,
                "-device", "ahci,id=ahci", "-device", "ide-hd,drive=d0,bus=ahci.0"), "/dev/sda");
        assertThat(console).contains("metis-install: eth0: 10.77.0.");
    }

    @Test
    void uefiWithE1000eWritesTheImageToAnNvmeDisk() throws Exception {
        String console = install("uefi", List.of("-bios", "/usr/share/ovmf/OVMF.fd",
                "-device", "e1000e,netdev=n0,romfile=,mac=" + InstallFixtureServer.MAC,
                "-device", "nvme,drive=d0,serial=metis0"), "/dev/nvme0n1");
        assertThat(console).contains("EFI stub");
    }

    @Test
    void aMachineThatCannotReachMetisSaysWhyOnItsConsoleAndKeepsAsking() throws Exception {
        Path log = dir.resolve("unreachable.console");
        Process qemu = boot(FIXTURE_PORT + 1, "unreachable", List.of(
                "-device", "virtio-net-pci,netdev=n0,mac=" + InstallFixtureServer.MAC, "-device", "virtio-blk-pci,drive=d0"));
        try {
            String expected = "metis-install: cannot reach Metis at " + FIXTURE_ADDRESS + ":" + (FIXTURE_PORT + 1)
                    + ": can't connect to remote host (" + FIXTURE_ADDRESS + "): Connection refused; trying again in 5 s";
            for (int i = 0; i < 1200 && !Files.readString(log).contains(expected); i++) {
                Thread.sleep(100);
            }
            assertThat(Files.readString(log)).contains(expected);
            assertThat(qemu.isAlive()).isTrue();
        } finally {
            NetbootLab.stop(qemu);
        }
    }

    /**
     * Boots machine NAME with {@code devices} until it reboots; checks what it reported and wrote.
     * @return its console
     */
    private static String install(String name, List<String> devices, String expectedDisk) throws Exception {
        Files.writeString(record(), "");
        Process qemu = boot(FIXTURE_PORT, name, devices);
        boolean ended = qemu.waitFor(250, TimeUnit.SECONDS);
        Path log = dir.resolve(name + ".console");
        Path disk = dir.resolve(name + ".disk");
        String console = Files.readString(log);
        assertThat(ended).as(console).isTrue();

        assertThat(console).contains("metis-install: writing to " + expectedDisk)
                .contains("metis-install: verified " + expectedDisk).contains("metis-install: rebooting");
        List<String> record = Files.readAllLines(record());
        assertThat(record).as(console).filteredOn(line -> line.startsWith("event")).containsExactly(
                "event step=started disk=" + expectedDisk, "event step=progress bytes=" + image.length,
                "event step=verified bytes=" + image.length, "event step=rebooting");
        assertThat(record).filteredOn(line -> line.startsWith("range"))
                .containsExactlyInAnyOrderElementsOf(DATA_CHUNKS.stream().map(index -> "range " + index).toList());
        try (RandomAccessFile written = new RandomAccessFile(disk.toFile(), "r")) {
            byte[] head = new byte[image.length];
            written.readFully(head);
            assertThat(head).isEqualTo(image);
        }
        return console;
    }

    /**
     * Starts a machine NAME with {@code devices}, an empty 256 MiB disk d0 ({@code NAME.disk}) and the install
     * URL of the fixture at {@code port}, its console going to {@code NAME.console}.
     */
    private static Process boot(int port, String name, List<String> devices) throws Exception {
        Path disk = dir.resolve(name + ".disk");
        try (RandomAccessFile sparse = new RandomAccessFile(disk.toFile(), "rw")) {
            sparse.setLength(256L * 1024 * 1024);
        }
        String url = "http://" + FIXTURE_ADDRESS + ":" + port + "/install/" + InstallFixtureServer.MAC + "/"
                + InstallFixtureServer.TOKEN + "/";
        List<String> command = new ArrayList<>(List.of("timeout", "240", "qemu-system-x86_64", "-accel", "tcg",
                "-m", "512", "-smp", "1", "-no-reboot", "-nographic",
                "-kernel", recovery.resolve("vmlinuz").toString(), "-initrd", recovery.resolve("initramfs.gz").toString(),
                // As the node's iPXE script boots it (install protocol v1).
                "-append", "console=tty0 console=ttyS0,115200 metis.install=" + url,
                "-netdev", "tap,id=n0,ifname=tap0,script=no,downscript=no",
                "-drive", "file=" + disk + ",if=none,id=d0,format=raw"));
        command.addAll(devices);
        return lab.startInServer(dir.resolve(name + ".console"), command.toArray(String[]::new));
    }

    private static Path record() {
        return dir.resolve("record");
    }
}
