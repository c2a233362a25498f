package dev.metis.card;

import static dev.metis.testing.ExternalTool.runSuccessfully;
import static org.assertj.core.api.Assertions.assertThat;

import dev.metis.testing.ExternalTool;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Builds small golden images the way distributions lay them out, with the real tools (sfdisk, mkfs.vfat,
 * mkfs.ext4, mtools) so that Metis reads images it did not write itself.
 */
final class GoldenImageBuilder {

    static final long MIB = 1 << 20;

    /** A distribution's card layout: partition scheme, boot partition label and FAT size, boot files. */
    enum Shape {
        /** Ubuntu for Raspberry Pi: MBR, FAT32 'system-boot' with a NoCloud seed already on it. */
        UBUNTU("dos", "system-boot", 32, Map.of(
                "cmdline.txt", "console=serial0,115200 multipath=off dwc_otg.lpm_enable=0 console=tty1 root=LABEL=writable rootfstype=ext4 rootwait fixrtc\n",
                "config.txt", "[all]\nkernel=vmlinuz\ncmdline=cmdline.txt\ninitramfs initrd.img followkernel\n",
                "user-data", "#cloud-config\nchpasswd:\n  expire: true\n  users:\n  - name: ubuntu\n    password: ubuntu\n",
                "meta-data", "",
                "network-config", "network:\n  version: 2\n",
                "README-with-a-long-name.txt", "a long name whose short alias is READ~1.TXT\n",
                "overlays/disable-bt.dtbo", "dtbo bytes\n")),
        /** Armbian: MBR, FAT16 'armbi_boot', no cmdline.txt (boot.scr and armbianEnv.txt instead). */
        ARMBIAN("dos", "armbi_boot", 16, Map.of(
                "armbianEnv.txt", "verbosity=1\nrootdev=UUID=0000\n",
                "boot.scr", "script bytes\n")),
        /** Raspberry Pi OS-like 'bootfs' on GPT, as a GPT-partitioned card would carry it. */
        RPI_OS_GPT("gpt", "bootfs", 32, Map.of(
                "cmdline.txt", "console=serial0,115200 console=tty1 root=PARTUUID=1234-02 rootfstype=ext4 fsck.repair=yes rootwait\n",
                "config.txt", "dtparam=audio=on\n",
                "firstrun-notes.txt", "x\n"));

        final String label;
        final String scheme;
        final int fatBits;
        final Map<String, String> files;

        Shape(String scheme, String label, int fatBits, Map<String, String> files) {
            this.scheme = scheme;
            this.label = label;
            this.fatBits = fatBits;
            this.files = files;
        }
    }

    static final long BOOT_OFFSET = 4 * MIB;
    static final long BOOT_SIZE = 40 * MIB;

    private GoldenImageBuilder() {
    }

    /**
     * An image of {@code totalMib} MiB: the FAT boot partition at 4 MiB and a Linux partition after it,
     * filled with bytes that differ everywhere (so any stray write shows) yet compress fast.
     */
    static Path build(Path dir, String name, Shape shape, int totalMib) throws Exception {
        Path image = dir.resolve(name);
        try (RandomAccessFile file = new RandomAccessFile(image.toFile(), "rw")) {
            file.setLength(totalMib * MIB);
        }
        String bootType = shape.scheme.equals("gpt") ? "EBD0A0A2-B9E5-4433-87C0-68B6B72699C7" : (shape.fatBits == 32 ? "c" : "e");
        String linuxType = shape.scheme.equals("gpt") ? "0FC63DAF-8483-4772-8E79-3D69D8477DE4" : "83";
        String layout = "label: " + shape.scheme + "\n"
                + "start=" + BOOT_OFFSET / 512 + ", size=" + BOOT_SIZE / 512 + ", type=" + bootType + "\n"
                + "start=" + (BOOT_OFFSET + BOOT_SIZE) / 512 + ", type=" + linuxType + "\n";
        Path layoutFile = dir.resolve(name + ".sfdisk");
        Files.writeString(layoutFile, layout);
        runSuccessfully(dir, "sh", "-c", ExternalTool.require("sfdisk") + " --no-reread --no-tell-kernel " + image + " < "
                + layoutFile);
        runSuccessfully(dir, ExternalTool.require("mkfs.vfat").toString(), "-F", String.valueOf(shape.fatBits), "-n",
                shape.label, "--offset", String.valueOf(BOOT_OFFSET / 512), image.toString(), String.valueOf(BOOT_SIZE / 1024));
        for (Map.Entry<String, String> f : new java.util.TreeMap<>(shape.files).entrySet()) {
            Path local = dir.resolve("content-" + f.getKey().replace('/', '_'));
            Files.writeString(local, f.getValue(), StandardCharsets.UTF_8);
            if (f.getKey().contains("/")) {
                runSuccessfully(dir, ExternalTool.require("mmd").toString(), "-D", "s", "-i", mtools(image),
                        "::" + f.getKey().substring(0, f.getKey().lastIndexOf('/')));
            }
            runSuccessfully(dir, ExternalTool.require("mcopy").toString(), "-o", "-i", mtools(image), local.toString(),
                    "::" + f.getKey());
        }
        if (shape == Shape.UBUNTU) {
            // Ubuntu's boot partition holds dozens of long-named device trees: the root directory spans
            // several clusters, and the seed's new entries must find room or grow it.
            java.util.List<String> mcopy = new java.util.ArrayList<>(java.util.List.of(
                    ExternalTool.require("mcopy").toString(), "-i", mtools(image)));
            for (int i = 0; i < 45; i++) {
                Path dtb = dir.resolve("bcm2711-rpi-board-variant-" + i + ".dtb");
                Files.writeString(dtb, "device tree " + i + "\n");
                mcopy.add(dtb.toString());
            }
            mcopy.add("::");
            runSuccessfully(dir, mcopy.toArray(String[]::new));
        }
        fillPattern(image, BOOT_OFFSET + BOOT_SIZE, totalMib * MIB);
        return image;
    }

    /** Where Debian's amd64 cloud images put their partitions, in sectors: the BIOS boot partition, ESP and root. */
    static final long DEBIAN_BIOS_BOOT = 2048;
    static final long DEBIAN_ESP = 8192;
    static final long DEBIAN_ROOT = 262144;

    /**
     * An image of {@code totalMib} MiB laid out as Debian's genericcloud amd64 images are, by sfdisk: GPT, 14 BIOS
     * boot (sectors 2048-8191, filled as GRUB's core image would be), 15 ESP (FAT32 'UEFI', 8192-262143, with a
     * boot loader file), 1 root (ext4, from 262144 to the last usable sector), nothing before sector 2048.
     */
    static Path debianCloud(Path dir, String name, int totalMib) throws Exception {
        Path image = dir.resolve(name);
        try (RandomAccessFile file = new RandomAccessFile(image.toFile(), "rw")) {
            file.setLength(totalMib * MIB);
        }
        // The root partition ends at the last usable sector, 33 before the image's last (the backup GPT).
        long rootSectors = totalMib * MIB / 512 - 33 - DEBIAN_ROOT;
        Path layoutFile = dir.resolve(name + ".sfdisk");
        Files.writeString(layoutFile, "label: gpt\n"
                + name + "14 : start=" + DEBIAN_BIOS_BOOT + ", size=" + (DEBIAN_ESP - DEBIAN_BIOS_BOOT)
                + ", type=21686148-6449-6E6F-744E-656564454649\n"
                + name + "15 : start=" + DEBIAN_ESP + ", size=" + (DEBIAN_ROOT - DEBIAN_ESP)
                + ", type=C12A7328-F81F-11D2-BA4B-00A0C93EC93B\n"
                + name + "1 : start=" + DEBIAN_ROOT + ", size=" + rootSectors + ", type=4F68BCE3-E8CD-4DB1-96E7-FBCAF984B709\n");
        runSuccessfully(dir, "sh", "-c", ExternalTool.require("sfdisk") + " --no-reread --no-tell-kernel " + image + " < "
                + layoutFile);
        fillPattern(image, DEBIAN_BIOS_BOOT * 512, DEBIAN_ESP * 512);
        runSuccessfully(dir, ExternalTool.require("mkfs.vfat").toString(), "-F", "32", "-n", "UEFI", "--offset",
                String.valueOf(DEBIAN_ESP), image.toString(), String.valueOf((DEBIAN_ROOT - DEBIAN_ESP) / 2));
        String esp = image + "@@" + DEBIAN_ESP * 512;
        runSuccessfully(dir, ExternalTool.require("mmd").toString(), "-i", esp, "::EFI", "::EFI/BOOT");
        Path loader = dir.resolve(name + ".BOOTX64.EFI");
        Files.writeString(loader, "a boot loader\n");
        runSuccessfully(dir, ExternalTool.require("mcopy").toString(), "-i", esp, loader.toString(), "::EFI/BOOT/BOOTX64.EFI");
        runSuccessfully(dir, ExternalTool.require("mkfs.ext4").toString(), "-q", "-F", "-L", "root", "-E",
                "offset=" + DEBIAN_ROOT * 512, image.toString(), rootSectors / 2 + "k");
        return image;
    }

    /** mtools' image@@offset form for the boot partition. */
    static String mtools(Path image) {
        return image + "@@" + BOOT_OFFSET;
    }

    /** Random bytes would make xz crawl on this machine; numbered lines are unique and compress well. */
    static void fillPattern(Path image, long from, long to) throws IOException {
        byte[] chunk = new byte[(int) MIB];
        try (RandomAccessFile file = new RandomAccessFile(image.toFile(), "rw")) {
            for (long at = from; at < to; at += chunk.length) {
                StringBuilder lines = new StringBuilder();
                for (long n = at; lines.length() < chunk.length; n += 32) {
                    lines.append(String.format("block %020d of the root\n", n));
                }
                System.arraycopy(lines.toString().getBytes(StandardCharsets.US_ASCII), 0, chunk, 0, chunk.length);
                file.seek(at);
                file.write(chunk, 0, (int) Math.min(chunk.length, to - at));
            }
        }
    }

    /**
     * Compresses with the real tool, keeping the original: {@code xz} (one block), {@code xz-blocks} (many
     * 1 MiB blocks, as {@code xz -T0} makes), {@code gzip} or {@code zstd}.
     */
    static Path compress(Path image, String format) throws Exception {
        String suffix = switch (format) {
            case "xz" -> ".xz";
            case "xz-blocks" -> ".blocks.xz";
            case "gzip" -> ".gz";
            default -> ".zst";
        };
        String options = switch (format) {
            case "xz" -> "-0 -T1";
            case "xz-blocks" -> "-0 -T2 --block-size=1MiB";
            default -> "-1";
        };
        Path out = image.resolveSibling(image.getFileName() + suffix);
        runSuccessfully(image.getParent(), "sh", "-c", ExternalTool.require(format.startsWith("xz") ? "xz" : format)
                + " -c " + options + " " + image + " > " + out);
        return out;
    }

    /** A file from the image's boot partition as mtools reads it, or null when it is absent. */
    static byte[] mtype(Path image, String file) throws Exception {
        Path out = Files.createTempFile(image.getParent(), "mcopy", ".bin");
        Files.delete(out);
        ExternalTool.Result result = ExternalTool.run(image.getParent(), ExternalTool.require("mcopy").toString(), "-n", "-i",
                mtools(image), "::" + file, out.toString());
        if (result.exitCode() != 0) {
            return null;
        }
        byte[] bytes = Files.readAllBytes(out);
        Files.delete(out);
        return bytes;
    }

    /** fsck.fat -n on the boot partition, cut out into a file of its own. */
    static void fsckClean(Path image) throws Exception {
        Path partition = image.resolveSibling(image.getFileName() + ".boot");
        try (RandomAccessFile in = new RandomAccessFile(image.toFile(), "r")) {
            byte[] bytes = new byte[(int) BOOT_SIZE];
            in.seek(BOOT_OFFSET);
            in.readFully(bytes);
            Files.write(partition, bytes);
        }
        ExternalTool.Result fsck = ExternalTool.run(image.getParent(), ExternalTool.require("fsck.fat").toString(), "-n", partition.toString());
        assertThat(fsck.exitCode()).as(fsck.all()).isZero();
        assertThat(fsck.all()).doesNotContainIgnoringCase("differ").doesNotContainIgnoringCase("lost");
        Files.delete(partition);
    }
}
