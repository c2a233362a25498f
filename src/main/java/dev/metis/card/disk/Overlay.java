package dev.metis.card.disk;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.Collections;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;

/**
 * A partition of an image seen as a block device whose writes are kept in memory, sector by sector, over
 * read-only original bytes. {@link FatVolume} edits this; the writer then lays the changed sectors over the
 * image as it streams it, so the golden image itself is never modified.
 */
public final class Overlay implements FatVolume.Storage {

    private static final int SECTOR = PartitionTable.SECTOR;

    private final FileChannel base;
    private final long baseOffset;
    private final long size;
    /** Changed sectors by their offset inside the partition. */
    private final NavigableMap<Long, byte[]> changed = new TreeMap<>();

    /** @param base holds the partition's original bytes at {@code baseOffset}; it is only read */
    public Overlay(FileChannel base, long baseOffset, long size) {
        this.base = base;
        this.baseOffset = baseOffset;
        this.size = size;
    }

    /** The changed sectors by their offset in the whole image. */
    public NavigableMap<Long, byte[]> changesInImage() {
        NavigableMap<Long, byte[]> shifted = new TreeMap<>();
        changed.forEach((offset, sector) -> shifted.put(baseOffset + offset, sector));
        return Collections.unmodifiableNavigableMap(shifted);
    }

    @Override
    public void read(long offset, byte[] into, int from, int length) throws IOException {
        checkRange(offset, length);
        if (!FileReads.readFully(base, ByteBuffer.wrap(into, from, length), baseOffset + offset)) {
            throw new IOException("the image ends inside its boot partition");
        }
        long firstSector = offset - offset % SECTOR;
        for (Map.Entry<Long, byte[]> e : changed.subMap(firstSector, true, offset + length, false).entrySet()) {
            long start = Math.max(e.getKey(), offset);
            long end = Math.min(e.getKey() + SECTOR, offset + length);
            System.arraycopy(e.getValue(), (int) (start - e.getKey()), into, from + (int) (start - offset), (int) (end - start));
        }
    }

    @Override
    public void write(long offset, byte[] from, int at, int length) throws IOException {
        checkRange(offset, length);
        int done = 0;
        while (done < length) {
            long sectorOffset = (offset + done) - (offset + done) % SECTOR;
            int within = (int) (offset + done - sectorOffset);
            int n = Math.min(SECTOR - within, length - done);
            byte[] sector = changed.get(sectorOffset);
            if (sector == null) {
                sector = new byte[SECTOR];
                if (n < SECTOR) {
                    read(sectorOffset, sector, 0, SECTOR);
                }
                changed.put(sectorOffset, sector);
            }
            System.arraycopy(from, at + done, sector, within, n);
            done += n;
        }
    }

    @Override
    public long size() {
        return size;
    }

    private void checkRange(long offset, int length) throws IOException {
        if (offset < 0 || offset + length > size) {
            throw new IOException("access at " + offset + "+" + length + " outside the " + size + "-byte partition");
        }
    }
}
