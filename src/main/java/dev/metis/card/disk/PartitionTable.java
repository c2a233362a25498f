package dev.metis.card.disk;

import dev.metis.card.image.CardException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.zip.CRC32;

/**
 * The partitions of a disk image, read from its first bytes: MBR primary partitions, or GPT when the MBR
 * is only the protective one. Logical partitions inside an extended MBR partition are not listed: Pi boot
 * partitions are always primary.
 *
 * @param gpt what a GPT's primary header says of its layout; null for an MBR
 */
public record PartitionTable(Scheme scheme, List<Partition> partitions, Gpt gpt) {

    public static final int SECTOR = 512;
    /** The image's first MiB: the MBR, the GPT header and its entries, wherever partitioning tools put them. */
    public static final int HEAD_BYTES = 1 << 20;

    public enum Scheme { MBR, GPT }

    /** @param offset and {@code length} in bytes from the start of the image */
    public record Partition(int number, long offset, long length, String type, String name, boolean fatType) {
        public long end() {
            return offset + length;
        }

        /** An EFI System Partition: FAT, but the firmware's, and mounted by its own label (Ubuntu's {@code UEFI}). */
        public boolean esp() {
            return type.equals(GPT_ESP.toString());
        }
    }

    /**
     * A GPT's layout as its primary header (LBA 1) gives it, its header checked by its CRC.
     *
     * @param alternateLba where the backup header is: the image's last sector, as partitioning tools leave it
     * @param firstUsable  and {@code lastUsable}: the LBAs partitions may use
     * @param entriesLba   where the primary partition entries start
     */
    public record Gpt(int headerSize, long alternateLba, long firstUsable, long lastUsable, long entriesLba,
            int entryCount, int entrySize) {

        /** The sectors the entry array takes, in each copy. */
        public long entrySectors() {
            return ((long) entryCount * entrySize + SECTOR - 1) / SECTOR;
        }
    }

    private static final Set<Integer> MBR_FAT_TYPES = Set.of(0x01, 0x04, 0x06, 0x0b, 0x0c, 0x0e, 0xef);
    private static final int MBR_PROTECTIVE = 0xee;
    static final UUID GPT_ESP = UUID.fromString("c12a7328-f81f-11d2-ba4b-00a0c93ec93b");
    static final UUID GPT_BASIC_DATA = UUID.fromString("ebd0a0a2-b9e5-4433-87c0-68b6b72699c7");
    private static final Set<UUID> GPT_FAT_TYPES = Set.of(GPT_ESP, GPT_BASIC_DATA);

    /** Where the last partition ends: the image must reach that far. */
    public long end() {
        return partitions.stream().mapToLong(Partition::end).max().orElse(0);
    }

    /** The first partition whose type says FAT; the caller still checks that it holds a FAT file system. */
    public Optional<Partition> firstFat() {
        return partitions.stream().filter(Partition::fatType).findFirst();
    }

    /**
     * @param head the image's first bytes, at least {@link #HEAD_BYTES} of them when the image is that large
     * @param imageSize the image's size when known, else -1: partitions reaching past it are refused
     */
    public static PartitionTable parse(byte[] head, long imageSize) throws CardException {
        ByteBuffer b = ByteBuffer.wrap(head).order(ByteOrder.LITTLE_ENDIAN);
        if (head.length < SECTOR || (b.getShort(510) & 0xffff) != 0xaa55) {
            throw new CardException("no partition table: the first sector has no MBR signature (0x55AA)");
        }
        List<Partition> mbr = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            int entry = 446 + 16 * i;
            int type = b.get(entry + 4) & 0xff;
            long start = Integer.toUnsignedLong(b.getInt(entry + 8));
            long sectors = Integer.toUnsignedLong(b.getInt(entry + 12));
            if (type == MBR_PROTECTIVE) {
                return gpt(b, imageSize);
            }
            if (type != 0 && sectors != 0) {
                mbr.add(new Partition(i + 1, start * SECTOR, sectors * SECTOR, String.format("0x%02x", type), "",
                        MBR_FAT_TYPES.contains(type)));
            }
        }
        if (mbr.isEmpty()) {
            throw new CardException("the MBR lists no partitions");
        }
        return checked(new PartitionTable(Scheme.MBR, mbr, null), imageSize);
    }

    private static PartitionTable gpt(ByteBuffer b, long imageSize) throws CardException {
        if (b.capacity() < 2 * SECTOR) {
            throw new CardException("the image ends before its GPT header");
        }
        ByteBuffer header = b.duplicate().order(ByteOrder.LITTLE_ENDIAN).position(SECTOR).slice().order(ByteOrder.LITTLE_ENDIAN);
        byte[] signature = new byte[8];
        header.get(0, signature);
        if (!new String(signature, StandardCharsets.US_ASCII).equals("EFI PART")) {
            throw new CardException("protective MBR but no GPT header ('EFI PART') at sector 1");
        }
        int headerSize = header.getInt(12);
        if (headerSize < 92 || headerSize > SECTOR) {
            throw new CardException("GPT header size " + headerSize + " is invalid");
        }
        byte[] headerBytes = new byte[headerSize];
        header.get(0, headerBytes);
        ByteBuffer.wrap(headerBytes).order(ByteOrder.LITTLE_ENDIAN).putInt(16, 0);
        if (crc32(headerBytes) != Integer.toUnsignedLong(header.getInt(16))) {
            throw new CardException("GPT header CRC32 does not match: the table is damaged");
        }
        long firstUsable = header.getLong(40);
        long lastUsable = header.getLong(48);
        long entriesLba = header.getLong(72);
        long count = Integer.toUnsignedLong(header.getInt(80));
        long entrySize = Integer.toUnsignedLong(header.getInt(84));
        if (entrySize < 128 || count > 1024 || entriesLba < 2 || entriesLba > b.capacity() / SECTOR
                || entriesLba * SECTOR + count * entrySize > b.capacity()) {
            throw new CardException("GPT partition entries (LBA " + Long.toUnsignedString(entriesLba) + ", " + count
                    + " x " + entrySize + " bytes) are not where Metis reads them");
        }
        byte[] entries = new byte[(int) (count * entrySize)];
        b.get((int) (entriesLba * SECTOR), entries);
        if (crc32(entries) != Integer.toUnsignedLong(header.getInt(88))) {
            throw new CardException("GPT partition entries CRC32 does not match: the table is damaged");
        }
        ByteBuffer e = ByteBuffer.wrap(entries).order(ByteOrder.LITTLE_ENDIAN);
        List<Partition> partitions = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            int at = (int) (i * entrySize);
            UUID type = guid(e, at);
            if (type.getMostSignificantBits() == 0 && type.getLeastSignificantBits() == 0) {
                continue;
            }
            long first = e.getLong(at + 32);
            long last = e.getLong(at + 40);
            byte[] name = new byte[72];
            e.get(at + 56, name);
            String label = new String(name, StandardCharsets.UTF_16LE).replace("\0", "");
            long start = sectorBytes(i + 1, "first", first, 0);
            long end = sectorBytes(i + 1, "last", last, 1);
            if (last < first) {
                throw new CardException("GPT entry " + (i + 1) + ": it ends (LBA " + last + ") before it starts (LBA "
                        + first + ")");
            }
            // Outside them lie the GPT's own header and entries, which the seed must never overwrite.
            if (first < firstUsable || Long.compareUnsigned(last, lastUsable) > 0) {
                throw new CardException("GPT entry " + (i + 1) + ": LBAs " + first + " to " + last + " lie outside the"
                        + " usable LBAs " + firstUsable + " to " + Long.toUnsignedString(lastUsable) + " its header gives");
            }
            partitions.add(new Partition(i + 1, start, end - start, type.toString(), label, GPT_FAT_TYPES.contains(type)));
        }
        Gpt gpt = new Gpt(headerSize, header.getLong(32), firstUsable, lastUsable, entriesLba, (int) count, (int) entrySize);
        return checked(new PartitionTable(Scheme.GPT, partitions, gpt), imageSize);
    }

    /**
     * Where sector {@code lba} + {@code plus} starts, in bytes. A GPT LBA is 64 bits, unsigned: one whose bytes
     * do not fit in a long lies on no disk, and would wrap to some small offset if multiplied unchecked.
     */
    private static long sectorBytes(int entry, String which, long lba, int plus) throws CardException {
        try {
            if (lba >= 0) {
                return Math.multiplyExact(Math.addExact(lba, plus), SECTOR);
            }
        } catch (ArithmeticException overflow) {
            // Refused below, as an LBA past 2^63 is.
        }
        throw new CardException("GPT entry " + entry + ": its " + which + " LBA " + Long.toUnsignedString(lba)
                + " lies beyond any disk (its byte offset overflows 64 bits)");
    }

    /** Each partition inside the image (when its size is known) and after the MBR, and none overlapping another. */
    private static PartitionTable checked(PartitionTable table, long imageSize) throws CardException {
        for (Partition p : table.partitions) {
            if (p.offset < SECTOR) {
                throw new CardException(String.format(Locale.ROOT,
                        "partition %d starts at byte %d, inside the partition table", p.number, p.offset));
            }
            if (p.length <= 0 || (imageSize >= 0 && p.end() > imageSize)) {
                throw new CardException(String.format(Locale.ROOT,
                        "partition %d (%d bytes at byte %d) lies outside the image (%d bytes)",
                        p.number, p.length, p.offset, imageSize));
            }
        }
        List<Partition> byOffset = new ArrayList<>(table.partitions);
        byOffset.sort(Comparator.comparingLong(Partition::offset));
        for (int i = 1; i < byOffset.size(); i++) {
            Partition before = byOffset.get(i - 1);
            Partition after = byOffset.get(i);
            if (after.offset < before.end()) {
                throw new CardException(String.format(Locale.ROOT,
                        "partitions %d and %d overlap: %d ends at byte %d, %d starts at byte %d",
                        before.number, after.number, before.number, before.end(), after.number, after.offset));
            }
        }
        return table;
    }

    /** GPT stores the first three GUID fields little-endian and the rest as bytes. */
    private static UUID guid(ByteBuffer b, int at) {
        long high = (Integer.toUnsignedLong(b.getInt(at)) << 32)
                | ((long) (b.getShort(at + 4) & 0xffff) << 16) | (b.getShort(at + 6) & 0xffff);
        long low = b.duplicate().order(ByteOrder.BIG_ENDIAN).getLong(at + 8);
        return new UUID(high, low);
    }

    private static long crc32(byte[] bytes) {
        CRC32 crc = new CRC32();
        crc.update(bytes);
        return crc.getValue();
    }
}
