package dev.metis.card.device;

import dev.metis.card.disk.PartitionTable;
import dev.metis.card.image.CardException;
import dev.metis.card.image.Progress;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Where a card is written: a whole block device (an SD card reader, a loop device) or a regular file,
 * with everything that makes writing to it unsafe. Facts come from sysfs and /proc, as lsblk reads them.
 *
 * @param capacity bytes the device holds; -1 for a file, which grows
 * @param refusals why writing here would destroy something else; empty when it is safe
 */
public record CardTarget(Path path, boolean blockDevice, long capacity, int logicalBlockSize, String description,
        List<String> refusals) {

    private static final Path SYS_DEV_BLOCK = Path.of("/sys/dev/block");
    private static final Path DEV = Path.of("/dev");

    public static CardTarget inspect(Path path) throws CardException {
        return inspect(path, DEV);
    }

    /**
     * @param devices where device nodes live: a target there must be an existing block device, never a new
     *                or regular file (a card reader that is not plugged in must not become a file in /dev)
     */
    static CardTarget inspect(Path path, Path devices) throws CardException {
        if (path.toAbsolutePath().normalize().startsWith(devices)) {
            if (!Files.exists(path)) {
                throw new CardException("target " + path + " does not exist: a target under " + devices + " must be a "
                        + "whole-disk block device that is there now (is the card reader plugged in? lsblk lists them)");
            }
            if (Files.isRegularFile(path)) {
                throw new CardException("target " + path + " is a regular file under " + devices + ", not a block "
                        + "device: give the card's whole disk (lsblk lists them), or an image file outside " + devices);
            }
        }
        if (!Files.exists(path, LinkOption.NOFOLLOW_LINKS) && !Files.exists(path)) {
            if (path.toAbsolutePath().getParent() == null || !Files.isDirectory(path.toAbsolutePath().getParent())) {
                throw new CardException("target " + path + " does not exist, nor does its directory");
            }
            return new CardTarget(path, false, -1, PartitionTable.SECTOR, "new file, written sparse", List.of());
        }
        try {
            Path real = path.toRealPath();
            if (Files.isRegularFile(real)) {
                return new CardTarget(real, false, -1, PartitionTable.SECTOR,
                        "file of " + Progress.size(Files.size(real)) + ", rewritten sparse", List.of());
            }
            if (!isBlockDevice(real)) {
                throw new CardException("target " + path + " is neither a block device nor a regular file");
            }
            return blockDevice(real, (Long) Files.getAttribute(real, "unix:rdev"));
        } catch (IOException e) {
            throw new CardException("cannot inspect target " + path + ": " + e.getMessage(), e);
        }
    }

    private static boolean isBlockDevice(Path real) throws IOException {
        return ((Integer) Files.getAttribute(real, "unix:mode") & 0170000) == 0060000;
    }

    private static CardTarget blockDevice(Path device, long rdev) throws IOException {
        String dev = major(rdev) + ":" + minor(rdev);
        Path sys = SYS_DEV_BLOCK.resolve(dev).toRealPath();
        List<String> refusals = new ArrayList<>();
        if (Files.exists(sys.resolve("partition"))) {
            refusals.add(device + " is a partition of /dev/" + sys.getParent().getFileName()
                    + ": give the whole disk, a card image holds its own partition table");
        }
        Set<String> inUse = new HashSet<>();
        inUse.add(dev);
        List<Path> parts = new ArrayList<>();
        try (Stream<Path> children = Files.list(sys)) {
            children.filter(p -> Files.exists(p.resolve("partition"))).forEach(parts::add);
        }
        for (Path part : parts) {
            inUse.add(read(part.resolve("dev")));
        }
        for (Path holderOf : concat(sys, parts)) {
            for (Path holder : list(holderOf.resolve("holders"))) {
                refusals.add("/dev/" + holderOf.getFileName() + " is in use by " + holder.getFileName()
                        + " (device mapper: LVM, dm-crypt or RAID)");
            }
        }
        for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
            String[] f = line.split(" ");
            if (inUse.contains(f[2])) {
                refusals.add(device + " is mounted: " + unescape(f[f.length - 2]) + " at " + unescape(f[4]));
            }
        }
        for (String line : Files.readAllLines(Path.of("/proc/swaps")).stream().skip(1).toList()) {
            Path swap = Path.of(unescape(line.split("\\s+")[0]));
            if (Files.exists(swap) && inUse.contains(devOf(swap))) {
                refusals.add(device + " holds active swap " + swap);
            }
        }
        rootDisk().filter(root -> root.equals(diskOf(sys)))
                .ifPresent(root -> refusals.add(device + " holds the root file system /"));
        long capacity = Long.parseLong(read(sys.resolve("size"))) * 512;
        int logicalBlock = Files.exists(sys.resolve("queue/logical_block_size"))
                ? Integer.parseInt(read(sys.resolve("queue/logical_block_size"))) : PartitionTable.SECTOR;
        return new CardTarget(device, true, capacity, logicalBlock, describe(sys, capacity), List.copyOf(refusals));
    }

    /** Refuses a target that is unsafe or smaller than what is to be written; nothing is written then. */
    public void checkWritable(long imageBytes) throws CardException {
        List<String> reasons = new ArrayList<>(refusals);
        if (capacity >= 0 && imageBytes > capacity) {
            reasons.add(String.format(Locale.ROOT, "%s holds %d bytes (%s), the image needs %d (%s)", path, capacity,
                    Progress.size(capacity), imageBytes, Progress.size(imageBytes)));
        }
        if (!reasons.isEmpty()) {
            throw new CardException("refusing to write " + path + ": " + String.join("; ", reasons));
        }
    }

    private static String describe(Path sys, long capacity) throws IOException {
        StringBuilder text = new StringBuilder("block device of " + Progress.size(capacity));
        String model = (readIfExists(sys.resolve("device/vendor")) + " " + readIfExists(sys.resolve("device/model"))).strip();
        if (!model.isEmpty()) {
            text.append(", ").append(model);
        }
        if (readIfExists(sys.resolve("removable")).equals("1")) {
            text.append(", removable");
        }
        String backing = readIfExists(sys.resolve("loop/backing_file"));
        if (!backing.isEmpty()) {
            text.append(", loop device backed by ").append(backing);
        }
        return text.toString();
    }

    /** The whole disk under the root file system, following device-mapper layers to the disk below. */
    private static Optional<String> rootDisk() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
            String[] f = line.split(" ");
            if (f[4].equals("/")) {
                Path sys = SYS_DEV_BLOCK.resolve(f[2]);
                if (!Files.exists(sys)) {
                    return Optional.empty();
                }
                sys = sys.toRealPath();
                List<Path> slaves = list(sys.resolve("slaves"));
                return Optional.of(diskOf(slaves.isEmpty() ? sys : slaves.get(0).toRealPath()));
            }
        }
        return Optional.empty();
    }

    private static String diskOf(Path sys) {
        return (Files.exists(sys.resolve("partition")) ? sys.getParent() : sys).getFileName().toString();
    }

    private static String devOf(Path device) throws IOException {
        long rdev = (Long) Files.getAttribute(device.toRealPath(), "unix:rdev");
        return major(rdev) + ":" + minor(rdev);
    }

    /** glibc's dev_t encoding. */
    private static long major(long rdev) {
        return ((rdev >>> 8) & 0xfff) | ((rdev >>> 32) & ~0xfffL);
    }

    private static long minor(long rdev) {
        return (rdev & 0xff) | ((rdev >>> 12) & ~0xffL);
    }

    private static List<Path> concat(Path first, List<Path> rest) {
        List<Path> all = new ArrayList<>(rest);
        all.add(0, first);
        return all;
    }

    private static List<Path> list(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> entries = Files.list(dir)) {
            return entries.toList();
        }
    }

    private static String read(Path file) throws IOException {
        return Files.readString(file, StandardCharsets.US_ASCII).strip();
    }

    private static String readIfExists(Path file) throws IOException {
        return Files.isReadable(file) ? read(file) : "";
    }

    /** /proc escapes space, tab, newline and backslash in paths as octal. */
    private static String unescape(String field) {
        return field.replace("\\040", " ").replace("\\011", "\t").replace("\\012", "\n").replace("\\134", "\\");
    }
}
