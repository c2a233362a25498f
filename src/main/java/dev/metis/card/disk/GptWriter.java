package dev.metis.card.disk;

import static dev.metis.card.disk.PartitionTable.SECTOR;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.UUID;
import java.util.zip.CRC32;

/**
 * A new entry in a GPT, written as partitioning tools write one: the entry in its slot of the primary
 * array, the primary header with both CRCs, and the backup array and header where the primary header says
 * the backup header is, built from the primary (the backup's old bytes are not needed, so a compressed
 * image's tail need not be read first). Pure: the primary header and entries in, changed sectors out.
 */
final class GptWriter {

    /** One partition entry; {@code number} is its 1-based slot. */
    record Entry(int number, UUID type, UUID guid, long firstLba, long lastLba, String name) {
    }

    private GptWriter() {
    }

    /**
     * @param header      the primary header's sector (LBA 1), as in the image
     * @param entries     the primary partition entry array, as in the image
     * @param firstUsable the first usable LBA both headers give from now on: lower than before when the entry
     *                    starts before it
     * @return the changed sectors by their byte offset in the image
     */
    static NavigableMap<Long, byte[]> withEntry(byte[] header, byte[] entries, PartitionTable.Gpt gpt, long firstUsable,
            Entry entry) {
        byte[] newEntries = Arrays.copyOf(entries, entries.length);
        ByteBuffer e = ByteBuffer.wrap(newEntries).order(ByteOrder.LITTLE_ENDIAN);
        int at = (entry.number() - 1) * gpt.entrySize();
        Arrays.fill(newEntries, at, at + gpt.entrySize(), (byte) 0);
        putGuid(e, at, entry.type());
        putGuid(e, at + 16, entry.guid());
        e.putLong(at + 32, entry.firstLba()).putLong(at + 40, entry.lastLba());
        byte[] name = entry.name().getBytes(StandardCharsets.UTF_16LE);
        e.put(at + 56, name, 0, Math.min(name.length, 72));
        int entriesCrc = crc(newEntries, newEntries.length);

        NavigableMap<Long, byte[]> sectors = new TreeMap<>();
        long backupEntriesLba = gpt.alternateLba() - gpt.entrySectors();
        sectors.put((long) SECTOR, headerSector(header, gpt, 1, gpt.alternateLba(), firstUsable, gpt.entriesLba(),
                entriesCrc));
        sectors.put(gpt.alternateLba() * SECTOR, headerSector(header, gpt, gpt.alternateLba(), 1, firstUsable,
                backupEntriesLba, entriesCrc));
        byte[] array = Arrays.copyOf(newEntries, (int) gpt.entrySectors() * SECTOR);
        for (int s = 0; s < gpt.entrySectors(); s++) {
            byte[] sector = Arrays.copyOfRange(array, s * SECTOR, (s + 1) * SECTOR);
            sectors.put((backupEntriesLba + s) * SECTOR, sector);
            // The primary array changes only where the entry went; its other sectors stay as they were.
            if (at / SECTOR <= s && s <= (at + gpt.entrySize() - 1) / SECTOR) {
                sectors.put((gpt.entriesLba() + s) * SECTOR, sector);
            }
        }
        return sectors;
    }

    /** The primary header's sector with the given locations and entries CRC, and its own CRC over it. */
    private static byte[] headerSector(byte[] primary, PartitionTable.Gpt gpt, long myLba, long alternateLba,
            long firstUsable, long entriesLba, int entriesCrc) {
        byte[] sector = Arrays.copyOf(primary, SECTOR);
        ByteBuffer b = ByteBuffer.wrap(sector).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(24, myLba).putLong(32, alternateLba).putLong(40, firstUsable).putLong(72, entriesLba)
                .putInt(88, entriesCrc);
        b.putInt(16, 0);
        b.putInt(16, crc(sector, gpt.headerSize()));
        return sector;
    }

    /** GPT stores the first three GUID fields little-endian and the rest as bytes. */
    private static void putGuid(ByteBuffer b, int at, UUID guid) {
        long high = guid.getMostSignificantBits();
        b.putInt(at, (int) (high >>> 32)).putShort(at + 4, (short) (high >>> 16)).putShort(at + 6, (short) high);
        b.duplicate().order(ByteOrder.BIG_ENDIAN).putLong(at + 8, guid.getLeastSignificantBits());
    }

    private static int crc(byte[] bytes, int length) {
        CRC32 crc = new CRC32();
        crc.update(bytes, 0, length);
        return (int) crc.getValue();
    }
}
