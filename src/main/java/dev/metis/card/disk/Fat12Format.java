package dev.metis.card.disk;

import dev.metis.card.image.CardException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.LocalDateTime;
import java.util.Locale;

/**
 * A new, empty FAT12 file system with a volume label, as {@code mkfs.fat -F 12 -n LABEL} lays one out: a boot
 * sector, two FATs and a fixed root directory holding the label. Only these are written: the data area is
 * left as it is, since nothing reads a cluster the FAT does not use. Sized for the small partitions that
 * hold a seed (a cluster per sector: at most 4084 sectors of data).
 */
final class Fat12Format {

    private static final int SECTOR = 512;
    private static final int RESERVED = 1;
    private static final int FATS = 2;
    /** As mkfs.fat gives a small volume: room for a class's boot overlay files beside the seed. */
    private static final int ROOT_ENTRIES = 512;
    private static final int ROOT_SECTORS = ROOT_ENTRIES * 32 / SECTOR;
    /** FAT12 ends at 4084 clusters: past that the cluster count makes it FAT16. */
    private static final int MAX_CLUSTERS = 4084;
    /** The fewest sectors a volume with one cluster of data takes. */
    static final int MIN_SECTORS = RESERVED + FATS + ROOT_SECTORS + 1;

    private Fat12Format() {
    }

    /**
     * @param hiddenSectors where the partition starts on the disk, as the boot sector records it
     * @param serial        the volume serial number
     * @param label         at most 11 characters, upper case (as DOS tools write labels)
     * @param stamp         the label entry's time
     */
    static void format(FatVolume.Storage storage, long hiddenSectors, int serial, String label, LocalDateTime stamp)
            throws IOException, CardException {
        long sectors = storage.size() / SECTOR;
        if (sectors < MIN_SECTORS) {
            throw new CardException("a FAT12 file system needs at least " + MIN_SECTORS + " sectors, not " + sectors);
        }
        int fatSectors = 1;
        long clusters;
        while (true) {
            clusters = sectors - RESERVED - (long) FATS * fatSectors - ROOT_SECTORS;
            int needed = (int) (((clusters + 2) * 3 / 2 + 1 + SECTOR - 1) / SECTOR);
            if (needed <= fatSectors) {
                break;
            }
            fatSectors = needed;
        }
        if (clusters > MAX_CLUSTERS) {
            throw new CardException("a FAT12 file system of one sector per cluster holds at most " + MAX_CLUSTERS
                    + " clusters, not " + clusters);
        }
        storage.write(0, bootSector((int) sectors, fatSectors, hiddenSectors, serial, label), 0, SECTOR);
        byte[] fat = new byte[fatSectors * SECTOR];
        // Entries 0 and 1 are reserved: the media byte, then end-of-chain.
        fat[0] = (byte) 0xf8;
        fat[1] = (byte) 0xff;
        fat[2] = (byte) 0xff;
        for (int copy = 0; copy < FATS; copy++) {
            storage.write((long) (RESERVED + copy * fatSectors) * SECTOR, fat, 0, fat.length);
        }
        byte[] root = new byte[ROOT_SECTORS * SECTOR];
        System.arraycopy(padded(label), 0, root, 0, 11);
        root[11] = 0x08;   // volume label: where blkid and Windows read it first
        FatVolume.stamp(root, 22, 24, stamp);
        storage.write((long) (RESERVED + FATS * fatSectors) * SECTOR, root, 0, root.length);
    }

    private static byte[] bootSector(int sectors, int fatSectors, long hiddenSectors, int serial, String label) {
        ByteBuffer b = ByteBuffer.allocate(SECTOR).order(ByteOrder.LITTLE_ENDIAN);
        b.put(new byte[] {(byte) 0xeb, 0x3c, (byte) 0x90});   // jump over the parameters to the boot code
        b.put("MSWIN4.1".getBytes(StandardCharsets.US_ASCII));   // the OEM name the FAT specification advises
        b.putShort((short) SECTOR).put((byte) 1).putShort((short) RESERVED).put((byte) FATS)
                .putShort((short) ROOT_ENTRIES).putShort((short) sectors).put((byte) 0xf8).putShort((short) fatSectors)
                .putShort((short) 32).putShort((short) 64).putInt((int) hiddenSectors).putInt(0);
        b.put((byte) 0x80).put((byte) 0).put((byte) 0x29).putInt(serial).put(padded(label))
                .put("FAT12   ".getBytes(StandardCharsets.US_ASCII));
        // The boot code: halt, forever. Firmware does not boot from this partition.
        b.put(new byte[] {(byte) 0xf4, (byte) 0xeb, (byte) 0xfd});
        b.putShort(510, (short) 0xaa55);
        return b.array();
    }

    private static byte[] padded(String label) {
        return String.format(Locale.ROOT, "%-11s", label).getBytes(StandardCharsets.US_ASCII);
    }
}
