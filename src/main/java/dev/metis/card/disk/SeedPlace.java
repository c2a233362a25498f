package dev.metis.card.disk;

import dev.metis.card.image.CardException;
import java.nio.channels.FileChannel;
import java.time.Clock;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;

/**
 * Where a node's seed goes in a golden image, decided from its partition table and first bytes alone: into its
 * first FAT partition when that is a boot partition (Raspberry Pi images, MBR or GPT, as always), else, on a GPT
 * image whose first FAT partition is its EFI System Partition or that has none, into a new {@link SeedPartition}.
 * An MBR image without a FAT partition has no place for it.
 */
public final class SeedPlace {

    /** What an injection did, and the changed sectors by their offset in the image. */
    public record Injected(BootPartition.Injection injection, NavigableMap<Long, byte[]> changes) {
    }

    /** The image's boot partition, or null when a seed partition is added. */
    private final PartitionTable.Partition boot;
    private final SeedPartition.Layout added;

    private SeedPlace(PartitionTable.Partition boot, SeedPartition.Layout added) {
        this.boot = boot;
        this.added = added;
    }

    /**
     * @param head      the image's first bytes, as {@link PartitionTable#parse} read them
     * @param imageSize the decompressed size when known, else -1
     * @throws CardException saying why the image has no place for a seed
     */
    public static SeedPlace of(PartitionTable table, byte[] head, long imageSize) throws CardException {
        Optional<PartitionTable.Partition> fat = table.firstFat();
        if (fat.isPresent() && !fat.get().esp()) {
            return new SeedPlace(fat.get(), null);
        }
        if (table.scheme() == PartitionTable.Scheme.MBR) {
            throw new CardException("it has no FAT partition to hold the seed (partitions: " + table.partitions() + ")");
        }
        return new SeedPlace(null, SeedPartition.layout(table, head, imageSize));
    }

    /** The boot partition the seed goes into, or the seed partition that will hold it. */
    public PartitionTable.Partition partition() {
        return added != null ? added.partition() : boot;
    }

    /** How far the image must be read before the seed can be laid in. */
    public long headEnd() {
        return partition().end();
    }

    /** Where the last sector the seed changes ends: a seed partition's GPT has its backup at the image's end. */
    public long changesEnd() {
        return added != null ? added.backupEnd() : boot.end();
    }

    /** {@code boot partition 1}, or {@code seed partition 2 (CIDATA, sectors 40-2047, new)}. */
    public String description() {
        return added != null ? added.description() : "boot partition " + boot.number();
    }

    /**
     * Lays the seed in, over {@code head} (which is only read), and checks it read back.
     *
     * @param seedArgument for the boot partition's {@code cmdline.txt}; a seed partition is found by its label
     */
    public Injected inject(FileChannel head, Map<String, byte[]> files, String instanceId, String seedArgument)
            throws CardException {
        if (added != null) {
            return SeedPartition.inject(added, head, files, instanceId);
        }
        Overlay overlay = new Overlay(head, boot.offset(), boot.length());
        BootPartition.Injection injection = BootPartition.inject(overlay, files, seedArgument, Clock.systemDefaultZone());
        return new Injected(injection, overlay.changesInImage());
    }
}
