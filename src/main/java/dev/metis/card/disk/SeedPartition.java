package dev.metis.card.disk;

import static dev.metis.card.disk.PartitionTable.SECTOR;

import dev.metis.card.image.CardException;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.UUID;

/**
 * The seed partition of a GPT image whose only FAT partition is its EFI System Partition (Debian's and
 * Ubuntu's amd64 cloud images): cloud-init finds a NoCloud seed on a file system labelled {@value #LABEL},
 * and the ESP can be neither that (Ubuntu mounts it by its label {@code UEFI}) nor the seed's home. So a small
 * FAT12 {@value #LABEL} goes into the zeroed sectors between the GPT's entries and its first partition (those
 * images start it at sector 2048: about 1000 KiB), with an entry in the GPT's first free slot. No partition
 * moves; the root partition stays last, so {@code growpart} still grows it at first boot. A GPT whose first
 * usable sector lies past the seed partition's start (sfdisk makes it 2048) gets the sector after its entries
 * as its first usable one, as sgdisk and parted make it.
 */
final class SeedPartition {

    /** The volume label cloud-init's NoCloud and ds-identify look for (either case). */
    static final String LABEL = "CIDATA";
    static final String NAME = "cidata";
    /** The seed partition starts on a 4 KiB boundary, as a 4Kn disk's sectors lie. */
    private static final long ALIGN = 8;
    /** Where a seed partition is refused as too small: a FAT12 with a few dozen KiB for the seed's files. */
    static final long MIN_SECTORS = 128;
    /** The one time every entry of a seed partition gets, so that the same seed makes the same bytes: FAT's epoch. */
    private static final Clock FAT_EPOCH = Clock.fixed(Instant.parse("1980-01-01T00:00:00Z"), ZoneOffset.UTC);

    /**
     * Where the seed partition goes, and the primary GPT it is added to.
     *
     * @param number      its GPT slot, 1-based: the first free one
     * @param firstLba    and {@code lastLba}: its sectors, inclusive
     * @param firstUsable the GPT's first usable sector with the seed partition in it
     * @param header      the primary GPT header's sector, and {@code entries} its entry array, as in the image
     */
    record Layout(int number, long firstLba, long lastLba, long firstUsable, PartitionTable.Gpt gpt,
            byte[] header, byte[] entries) {

        PartitionTable.Partition partition() {
            return new PartitionTable.Partition(number, firstLba * SECTOR, (lastLba - firstLba + 1) * SECTOR,
                    PartitionTable.GPT_BASIC_DATA.toString(), NAME, true);
        }

        /** Where the backup GPT header ends: the last byte this layout changes. */
        long backupEnd() {
            return (gpt.alternateLba() + 1) * SECTOR;
        }

        /** {@code seed partition 2 (CIDATA, sectors 40-2047, new)} */
        String description() {
            return "seed partition " + number + " (" + LABEL + ", sectors " + firstLba + "-" + lastLba + ", new)";
        }
    }

    private SeedPartition() {
    }

    /**
     * Finds room for a seed partition, from the image's head alone: a free GPT slot, and at least
     * {@value #MIN_SECTORS} sectors of zeros between the entries and the first partition, within the head.
     *
     * @param head      the image's first bytes, as {@link PartitionTable#parse} read them
     * @param imageSize the decompressed size when known, else -1: the backup GPT must lie inside it
     * @throws CardException saying what was found instead
     */
    static Layout layout(PartitionTable table, byte[] head, long imageSize) throws CardException {
        PartitionTable.Gpt gpt = table.gpt();
        long gapStart = gpt.entriesLba() + gpt.entrySectors();
        long firstPartition = table.partitions().stream().mapToLong(PartitionTable.Partition::offset).min()
                .orElse((gpt.lastUsable() + 1) * SECTOR) / SECTOR;
        long start = (gapStart + ALIGN - 1) / ALIGN * ALIGN;
        // Within the head, which is all that is read before the seed is laid in: 1 MiB, as far as a first
        // partition at sector 2048 leaves.
        long end = Math.min(Math.min(firstPartition, gpt.lastUsable() + 1), head.length / SECTOR);
        String gap = "the gap between its GPT entries and its first partition (sectors " + gapStart + "-"
                + (firstPartition - 1) + ")";
        if (end - start < MIN_SECTORS) {
            throw new CardException("its first partition starts at sector " + firstPartition + ": " + gap + " leaves "
                    + Math.max(0, end - start) + " sectors from sector " + start + " for a seed partition, which needs "
                    + MIN_SECTORS + " (a GPT image whose only FAT partition is its ESP gets its seed on a partition of its own)");
        }
        for (long at = gapStart * SECTOR; at < end * SECTOR; at++) {
            if (head[(int) at] != 0) {
                throw new CardException("byte " + at + " (sector " + at / SECTOR + ") of " + gap + " is not zero (a boot"
                        + " loader there?): the seed partition goes only where the image holds nothing");
            }
        }
        int slot = freeSlot(table, gpt);
        long backupEntries = gpt.alternateLba() - gpt.entrySectors();
        if (backupEntries <= gpt.lastUsable()) {
            throw new CardException("its backup GPT header at LBA " + gpt.alternateLba() + " leaves no room for its "
                    + gpt.entrySectors() + " sectors of entries after its last usable LBA " + gpt.lastUsable());
        }
        if (imageSize >= 0 && (gpt.alternateLba() + 1) * SECTOR > imageSize) {
            throw new CardException("its backup GPT header at LBA " + gpt.alternateLba() + " lies past its end ("
                    + imageSize + " bytes)");
        }
        byte[] header = Arrays.copyOfRange(head, SECTOR, 2 * SECTOR);
        int entriesAt = (int) (gpt.entriesLba() * SECTOR);
        byte[] entries = Arrays.copyOfRange(head, entriesAt, entriesAt + gpt.entryCount() * gpt.entrySize());
        // A first usable sector past the seed partition's start comes down to where the entries end, as
        // partitioning tools other than sfdisk leave it.
        long firstUsable = gpt.firstUsable() <= start ? gpt.firstUsable() : gapStart;
        return new Layout(slot, start, end - 1, firstUsable, gpt, header, entries);
    }

    private static int freeSlot(PartitionTable table, PartitionTable.Gpt gpt) throws CardException {
        for (int number = 1; number <= gpt.entryCount(); number++) {
            int n = number;
            if (table.partitions().stream().noneMatch(p -> p.number() == n)) {
                return number;
            }
        }
        throw new CardException("all " + gpt.entryCount() + " entries of its GPT are in use: none is free for a seed partition");
    }

    /**
     * Formats the seed partition, writes the seed's files into it and checks them read back, and adds its
     * GPT entry to both tables. The volume serial and the partition's GUID come from the instance id, and
     * every time stamp is FAT's epoch: the same seed on the same image gives the same bytes.
     *
     * @param head holds the image's head, which is only read
     * @return what was written, and the changed sectors by their offset in the image
     */
    static SeedPlace.Injected inject(Layout layout, FileChannel head, Map<String, byte[]> files, String instanceId)
            throws CardException {
        PartitionTable.Partition partition = layout.partition();
        Overlay overlay = new Overlay(head, partition.offset(), partition.length());
        UUID guid = UUID.nameUUIDFromBytes(("metis seed partition " + instanceId).getBytes(StandardCharsets.UTF_8));
        try {
            Fat12Format.format(overlay, layout.firstLba(), (int) (guid.getMostSignificantBits() >>> 32), LABEL,
                    LocalDateTime.now(FAT_EPOCH));
        } catch (IOException e) {
            throw new CardException("the seed partition cannot be formatted: " + e.getMessage(), e);
        }
        BootPartition.Injection written;
        try {
            written = BootPartition.inject(overlay, files, null, FAT_EPOCH);
        } catch (CardException e) {
            long bytes = files.values().stream().mapToLong(content -> content.length).sum();
            throw new CardException("writing the seed's " + files.size() + " files (" + bytes + " bytes) into its "
                    + partition.length() / 1024 + " KiB failed: " + e.getMessage(), e);
        }
        NavigableMap<Long, byte[]> changes = new TreeMap<>(overlay.changesInImage());
        changes.putAll(GptWriter.withEntry(layout.header(), layout.entries(), layout.gpt(), layout.firstUsable(),
                new GptWriter.Entry(layout.number(), PartitionTable.GPT_BASIC_DATA, guid, layout.firstLba(),
                        layout.lastLba(), NAME)));
        return new SeedPlace.Injected(new BootPartition.Injection(written.fatType(), written.label(), written.written(),
                null, layout.description()), changes);
    }
}
