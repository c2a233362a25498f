package dev.metis.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.metis.testing.ExternalTool;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * A QEMU (TCG) machine that boots a real operating system from a raw disk, typically a copy of the golden
 * image ({@link #goldenImage}), with its serial console streamed to a file. {@link #awaitFacts} reads what
 * the guest's {@code metis-facts} unit prints there once cloud-init is done. {@link #close} pulls the plug.
 */
final class GuestVm implements AutoCloseable {

    static final Path GOLDEN_IMAGE_SCRIPT = Path.of("deploy/dev/golden-image").toAbsolutePath();
    /** debootstrap and assembly on two busy cores take minutes; a cached image returns at once. */
    private static final Duration GOLDEN_IMAGE_BUILD = Duration.ofMinutes(40);

    enum Firmware { BIOS, UEFI }

    /** The golden image's variants: Debian 12 with its own cloud-init (22.4) or with Debian 13's (25.x). */
    enum CloudInit { BOOKWORM, TRIXIE }

    private final Process qemu;
    private final Path console;
    private final Path qemuOutput;
    private int lastBootCount;

    private GuestVm(Process qemu, Path console, Path qemuOutput) {
        this.qemu = qemu;
        this.console = console;
        this.qemuOutput = qemuOutput;
    }

    /**
     * The cached golden image of {@code variant}, built by {@code deploy/dev/golden-image} when its inputs
     * changed. Asks for both variants, so that a build pays debootstrap once for the two. Boot a copy
     * ({@link #copyOf}): the cached image must stay as built.
     */
    static Path goldenImage(CloudInit variant) throws Exception {
        NetbootLab.requireRoot();
        ExternalTool.require("debootstrap");
        Path log = Files.createTempFile("golden-image", ".log");
        Path paths = Files.createTempFile("golden-image", ".out");
        try {
            Process build = new ProcessBuilder(GOLDEN_IMAGE_SCRIPT.toString(), "--cloud-init", "bookworm",
                    "--cloud-init", "trixie").redirectOutput(paths.toFile()).redirectError(log.toFile()).start();
            build.getOutputStream().close();
            boolean finished = build.waitFor(GOLDEN_IMAGE_BUILD.toSeconds(), TimeUnit.SECONDS);
            if (!finished) {
                NetbootLab.stop(build);
            }
            String suffix = "-" + variant.name().toLowerCase(Locale.ROOT) + ".raw";
            String built = Files.readString(paths).lines().filter(path -> path.endsWith(suffix)).findFirst().orElse("");
            assertThat(finished && build.exitValue() == 0 && !built.isEmpty())
                    .as("golden-image built %s:%n%s", suffix, tail(Files.readString(log))).isTrue();
            // What a build cost, for the suite's budget: "golden-image: debootstrap took 114 s" and the like.
            Files.readString(log).lines().filter(line -> line.startsWith("golden-image:")).forEach(System.out::println);
            return Path.of(built);
        } finally {
            Files.deleteIfExists(log);
            Files.deleteIfExists(paths);
        }
    }

    /** A sparse copy of {@code image} at {@code copy}, grown to {@code bytes} (a bigger disk for growpart). */
    static Path copyOf(Path image, Path copy, long bytes) throws Exception {
        ExternalTool.runSuccessfully(copy.toAbsolutePath().getParent(), "cp", "--sparse=always", image.toString(),
                copy.toString());
        return grow(copy, bytes);
    }

    /** {@code disk} grown to {@code bytes}, sparse: a bigger disk than its image, for growpart. */
    static Path grow(Path disk, long bytes) throws Exception {
        try (RandomAccessFile file = new RandomAccessFile(disk.toFile(), "rw")) {
            file.setLength(bytes);
        }
        return disk;
    }

    /** Describes a machine; {@link #start} powers it on. */
    static Builder with(Path disk) {
        return new Builder(disk);
    }

    static final class Builder {
        private final Path disk;
        private Firmware firmware = Firmware.BIOS;
        private final List<Path> drives = new ArrayList<>();
        private NetbootLab lab;
        private String mac;
        private String link;
        private boolean netFirst;

        private Builder(Path disk) {
            this.disk = disk;
        }

        /** BIOS: SeaBIOS (and QEMU's iPXE ROM for the NIC); UEFI: OVMF, as {@code netboot-lab boot} runs them. */
        Builder firmware(Firmware firmware) {
            this.firmware = firmware;
            return this;
        }

        /** A second, read-only disk (a NoCloud seed image, say); the boot disk stays the first. */
        Builder readOnlyDrive(Path image) {
            drives.add(image);
            return this;
        }

        /** A virtio NIC with {@code mac} on the lab's tap0: QEMU then runs in the lab's server namespace. */
        Builder nic(NetbootLab lab, String mac) {
            return nic(lab, mac, NetbootLab.VM_LINK);
        }

        /** The same on another of the lab's VM links ({@link NetbootLab#SECOND_VM_LINK}), for a second machine. */
        Builder nic(NetbootLab lab, String mac, String link) {
            this.lab = lab;
            this.mac = mac;
            this.link = link;
            return this;
        }

        /** Boots from the NIC first and from the disk when that fails (or exits); without it, disk only. */
        Builder netThenDisk() {
            this.netFirst = true;
            return this;
        }

        /** Powers the machine on; its serial console goes to {@code console}, QEMU's own output beside it. */
        GuestVm start(Path console) throws IOException {
            ExternalTool.require("qemu-system-x86_64");
            List<String> command = new ArrayList<>(List.of("qemu-system-x86_64", "-accel", "tcg", "-m", "1024",
                    "-smp", "1", "-display", "none", "-monitor", "none", "-serial", "file:" + console));
            if (firmware == Firmware.UEFI) {
                command.addAll(List.of("-bios", "/usr/share/ovmf/OVMF.fd"));
            }
            // cache=unsafe: the guest's flushes are not needed while this process outlives it.
            command.addAll(List.of("-drive", "file=" + disk + ",format=raw,if=none,id=disk,cache=unsafe",
                    "-device", "virtio-blk-pci,drive=disk,bootindex=" + (netFirst ? 2 : 1)));
            for (int i = 0; i < drives.size(); i++) {
                command.addAll(List.of("-drive", "file=" + drives.get(i) + ",format=raw,if=none,readonly=on,id=drive" + i,
                        "-device", "virtio-blk-pci,drive=drive" + i));
            }
            if (lab == null) {
                command.addAll(List.of("-nic", "none"));
            } else {
                // vnet_hdr=off: whole frames, so that the lab's impairment wire can carry them
                command.addAll(List.of("-netdev", "tap,id=net,ifname=" + link
                        + ",script=no,downscript=no,vnet_hdr=off", "-device",
                        "virtio-net-pci,netdev=net,mac=" + mac + (netFirst ? ",bootindex=1" : "")));
                command = lab.inServerNamespace(command);
            }
            Files.deleteIfExists(console);
            Path qemuOutput = console.resolveSibling(console.getFileName() + ".qemu");
            Process qemu = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(qemuOutput.toFile())
                    .start();
            qemu.getOutputStream().close();
            return new GuestVm(qemu, console, qemuOutput);
        }
    }

    Path console() {
        return console;
    }

    /**
     * Waits for the guest's next facts: the first whole block printed by a boot after the one the last call
     * returned (the same boot repeats its block), so that a guest that reboots itself is seen booting again.
     */
    GuestFacts awaitFacts(Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            String output = consoleOutput();
            for (GuestFacts facts : GuestFacts.parseAll(output)) {
                if (facts.bootCount() != lastBootCount) {
                    lastBootCount = facts.bootCount();
                    return facts;
                }
            }
            assertThat(qemu.isAlive()).as("QEMU is running; console:%n%s%s", tail(output), read(qemuOutput)).isTrue();
            Thread.sleep(1000);
        }
        throw new AssertionError("no facts from the guest within " + timeout + "; console:\n" + tail(consoleOutput()));
    }

    private String consoleOutput() throws IOException {
        return read(console);
    }

    /** Lenient: firmware writes bytes that are no UTF-8 to the console. */
    private static String read(Path file) throws IOException {
        return Files.exists(file) ? new String(Files.readAllBytes(file), StandardCharsets.UTF_8) : "";
    }

    private static String tail(String text) {
        return text.length() <= 6000 ? text : "..." + text.substring(text.length() - 6000);
    }

    /** Pulls the plug: QEMU is killed, whatever the guest is doing; what it wrote to the disk stays. */
    @Override
    public void close() {
        qemu.destroyForcibly();
        qemu.onExit().join();
    }
}
