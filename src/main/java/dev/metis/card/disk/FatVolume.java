package dev.metis.card.disk;

import dev.metis.card.image.CardException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * A FAT12/16/32 file system inside a partition, edited in place: read files, and write files and
 * directories with long names. Only what a card's seed needs, following Microsoft's FAT specification;
 * the volume label, other files and free space bookkeeping are kept as they were. (fat32-lib 0.6.5 was
 * tried first: it overflows a root directory whose last cluster fills up, and can drop a file whose short
 * name collides.)
 */
final class FatVolume {

    /** Where the file system's bytes live; offsets are relative to the partition start. */
    interface Storage {
        void read(long offset, byte[] into, int from, int length) throws IOException;

        void write(long offset, byte[] from, int at, int length) throws IOException;

        /** The partition's size in bytes: the file system must fit in it. */
        long size();
    }

    private static final int ENTRY = 32;
    private static final int ATTR_LONG_NAME = 0x0f;
    private static final int ATTR_VOLUME_ID = 0x08;
    private static final int ATTR_DIRECTORY = 0x10;
    private static final int ATTR_ARCHIVE = 0x20;
    private static final int FREE = 0;
    /** FAT32's 28-bit entries leave room for this many clusters. */
    private static final long MAX_CLUSTERS = 0x0ffffff5 - 2;
    private static final String SHORT_NAME_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789$%'-_@~`!(){}^#&";

    private final Storage storage;
    /** What the entries it writes are stamped with. */
    private final Clock clock;
    private final int bytesPerSector;
    private final int clusterSize;
    private final int fatType;
    private final long fatOffset;
    private final long fatBytes;
    private final int fatCount;
    private final long rootOffset;
    private final int rootEntries;
    private final long rootCluster;
    private final long dataOffset;
    private final long clusterCount;
    private final long fsInfoOffset;
    private final String bootSectorLabel;
    /** FAT entries of the first FAT copy; entry n describes cluster n. */
    private final long[] fat;
    private final Set<Long> dirtyFatEntries = new TreeSet<>();
    private long nextFreeHint = 2;

    private FatVolume(Storage storage, Clock clock, byte[] bootSector) throws CardException {
        this.storage = storage;
        this.clock = clock;
        ByteBuffer b = ByteBuffer.wrap(bootSector).order(ByteOrder.LITTLE_ENDIAN);
        bytesPerSector = b.getShort(11) & 0xffff;
        int sectorsPerCluster = b.get(13) & 0xff;
        int reserved = b.getShort(14) & 0xffff;
        fatCount = b.get(16) & 0xff;
        rootEntries = b.getShort(17) & 0xffff;
        long totalSectors = (b.getShort(19) & 0xffff) != 0 ? b.getShort(19) & 0xffff : Integer.toUnsignedLong(b.getInt(32));
        long fatSectors = (b.getShort(22) & 0xffff) != 0 ? b.getShort(22) & 0xffff : Integer.toUnsignedLong(b.getInt(36));
        if ((b.getShort(510) & 0xffff) != 0xaa55 || !List.of(512, 1024, 2048, 4096).contains(bytesPerSector)
                || Integer.bitCount(sectorsPerCluster) != 1 || reserved == 0 || fatCount == 0 || fatSectors == 0) {
            throw new CardException("the boot partition holds no FAT file system (no valid boot sector)");
        }
        clusterSize = bytesPerSector * sectorsPerCluster;
        long rootSectors = ((long) rootEntries * ENTRY + bytesPerSector - 1) / bytesPerSector;
        long firstDataSector = reserved + fatCount * fatSectors + rootSectors;
        if (totalSectors * bytesPerSector > storage.size()) {
            throw damaged("it claims " + totalSectors * bytesPerSector + " bytes, more than its " + storage.size()
                    + "-byte partition");
        }
        if (firstDataSector + sectorsPerCluster > totalSectors) {
            throw damaged("its reserved sectors, FATs and root directory (" + firstDataSector + " sectors) leave no room"
                    + " for a cluster in its " + totalSectors + " sectors");
        }
        clusterCount = (totalSectors - firstDataSector) / sectorsPerCluster;
        if (clusterCount > MAX_CLUSTERS) {
            throw damaged("it has " + clusterCount + " clusters, more than FAT32's " + MAX_CLUSTERS);
        }
        // The FAT type follows from the cluster count alone (FAT specification, section 3.5).
        fatType = clusterCount < 4085 ? 12 : clusterCount < 65525 ? 16 : 32;
        fatOffset = (long) reserved * bytesPerSector;
        fatBytes = fatSectors * bytesPerSector;
        rootOffset = fatOffset + fatCount * fatBytes;
        dataOffset = firstDataSector * bytesPerSector;
        rootCluster = fatType == 32 ? Integer.toUnsignedLong(b.getInt(44)) : 0;
        if (fatType == 32 && (rootCluster < 2 || rootCluster >= clusterCount + 2)) {
            throw damaged("its root directory starts at cluster " + rootCluster + ", outside its " + clusterCount
                    + " clusters");
        }
        fsInfoOffset = fatType == 32 ? (long) (b.getShort(48) & 0xffff) * bytesPerSector : -1;
        bootSectorLabel = new String(bootSector, fatType == 32 ? 71 : 43, 11, StandardCharsets.US_ASCII).strip();
        fat = new long[(int) (clusterCount + 2)];
    }

    private static CardException damaged(String what) {
        return new CardException("the FAT file system is damaged: " + what);
    }

    static FatVolume open(Storage storage) throws CardException, IOException {
        return open(storage, Clock.systemDefaultZone());
    }

    /** @param clock the time the entries it writes get: a fixed one makes the same files the same bytes */
    static FatVolume open(Storage storage, Clock clock) throws CardException, IOException {
        byte[] bootSector = new byte[512];
        storage.read(0, bootSector, 0, bootSector.length);
        FatVolume volume = new FatVolume(storage, clock, bootSector);
        volume.readFat();
        return volume;
    }

    String type() {
        return "FAT" + fatType;
    }

    /** The label in the root directory, where Windows and Linux keep it, else the boot sector's copy. */
    String label() throws IOException {
        for (Entry e : directory(Dir.ROOT).entries) {
            if (e.volumeLabel) {
                return e.shortNameText().strip();
            }
        }
        return bootSectorLabel;
    }

    /** Every file by its path, with its size, in a stable order. */
    Map<String, Long> files() throws IOException {
        Map<String, Long> files = new TreeMap<>();
        listInto(directory(Dir.ROOT), "", files, new HashSet<>());
        return files;
    }

    /** @return the file's bytes, or null when there is no such file */
    byte[] read(String path) throws IOException {
        Entry entry = find(path);
        if (entry == null || entry.isDirectory()) {
            return null;
        }
        if (entry.size > clusterCount * clusterSize) {
            throw new IOException(path + " claims " + entry.size + " bytes, more than the file system holds");
        }
        byte[] content = new byte[(int) entry.size];
        int done = 0;
        for (long cluster = entry.firstCluster; done < content.length; cluster = next(cluster)) {
            checkCluster(cluster);
            int n = Math.min(clusterSize, content.length - done);
            storage.read(clusterOffset(cluster), content, done, n);
            done += n;
        }
        return content;
    }

    /** Creates or replaces a file, creating its directories; FATs and FSInfo are written by {@link #flush}. */
    void write(String path, byte[] content) throws IOException, CardException {
        String[] parts = path.split("/");
        Directory dir = directory(Dir.ROOT);
        for (int i = 0; i < parts.length - 1; i++) {
            Entry sub = dir.find(parts[i]);
            if (sub == null) {
                sub = makeDirectory(dir, parts[i]);
            } else if (!sub.isDirectory()) {
                throw new CardException(String.join("/", java.util.Arrays.copyOf(parts, i + 1))
                        + " is a file on the card, not a directory");
            }
            dir = directory(new Dir(sub.firstCluster));
        }
        String name = parts[parts.length - 1];
        Entry existing = dir.find(name);
        if (existing != null && existing.isDirectory()) {
            throw new CardException(path + " is a directory on the card");
        }
        if (existing != null) {
            freeChain(existing.firstCluster);
        }
        long first = content.length == 0 ? 0 : allocate((content.length + clusterSize - 1) / clusterSize);
        int done = 0;
        byte[] cluster = new byte[clusterSize];
        for (long c = first; done < content.length; c = next(c)) {
            int n = Math.min(clusterSize, content.length - done);
            java.util.Arrays.fill(cluster, (byte) 0);
            System.arraycopy(content, done, cluster, 0, n);
            storage.write(clusterOffset(c), cluster, 0, clusterSize);
            done += n;
        }
        if (existing != null) {
            existing.update(first, content.length);
            dir.writeEntry(existing.shortSlot, existing.raw);
        } else {
            addEntry(dir, name, ATTR_ARCHIVE, first, content.length);
        }
    }

    /** Writes the changed FAT entries to every FAT copy, and the free cluster count to FSInfo. */
    void flush() throws IOException {
        Set<Long> sectors = new TreeSet<>();
        for (long entry : dirtyFatEntries) {
            long byteOffset = fatType == 12 ? entry * 3 / 2 : entry * (fatType / 8);
            sectors.add(byteOffset / bytesPerSector);
            sectors.add((byteOffset + 1) / bytesPerSector);
        }
        byte[] encoded = encodeFat();
        for (long sector : sectors) {
            int from = (int) (sector * bytesPerSector);
            for (int copy = 0; copy < fatCount; copy++) {
                storage.write(fatOffset + copy * fatBytes + from, encoded, from, bytesPerSector);
            }
        }
        dirtyFatEntries.clear();
        if (fatType == 32 && fsInfoOffset > 0) {
            byte[] info = new byte[512];
            storage.read(fsInfoOffset, info, 0, info.length);
            ByteBuffer b = ByteBuffer.wrap(info).order(ByteOrder.LITTLE_ENDIAN);
            if (b.getInt(0) == 0x41615252 && b.getInt(484) == 0x61417272) {
                long free = 0;
                for (int c = 2; c < fat.length; c++) {
                    free += fat[c] == FREE ? 1 : 0;
                }
                b.putInt(488, (int) free);
                b.putInt(492, (int) nextFreeHint);
                storage.write(fsInfoOffset, info, 0, info.length);
            }
        }
    }

    // ---- FAT -------------------------------------------------------------------------------------

    private void readFat() throws IOException, CardException {
        long needed = entryBytes();
        if (needed > fatBytes) {
            throw damaged("its FAT (" + fatBytes + " bytes) is smaller than its " + clusterCount + " clusters need");
        }
        byte[] bytes = new byte[(int) needed];
        storage.read(fatOffset, bytes, 0, bytes.length);
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        for (int n = 0; n < fat.length; n++) {
            fat[n] = switch (fatType) {
                case 12 -> {
                    int pair = (b.get(n * 3 / 2) & 0xff) | ((b.get(n * 3 / 2 + 1) & 0xff) << 8);
                    yield (n & 1) == 0 ? pair & 0xfff : pair >>> 4;
                }
                case 16 -> b.getShort(n * 2) & 0xffff;
                default -> Integer.toUnsignedLong(b.getInt(n * 4));
            };
        }
    }

    /** The FAT's sectors that hold entries, with the changed entries encoded in them. */
    private byte[] encodeFat() throws IOException {
        // Only the entries of existing clusters: a FAT may claim far more sectors than those need.
        byte[] bytes = new byte[(int) ((entryBytes() + bytesPerSector - 1) / bytesPerSector * bytesPerSector)];
        storage.read(fatOffset, bytes, 0, bytes.length);
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        for (long entry : dirtyFatEntries) {
            int n = (int) entry;
            switch (fatType) {
                case 12 -> {
                    int at = n * 3 / 2;
                    int pair = (b.get(at) & 0xff) | ((b.get(at + 1) & 0xff) << 8);
                    pair = (n & 1) == 0 ? (pair & 0xf000) | (int) fat[n] : (pair & 0x000f) | ((int) fat[n] << 4);
                    b.put(at, (byte) pair).put(at + 1, (byte) (pair >>> 8));
                }
                case 16 -> b.putShort(n * 2, (short) fat[n]);
                default -> b.putInt(n * 4, (int) fat[n]);
            }
        }
        return bytes;
    }

    /** The bytes the FAT's entries for every cluster take. */
    private long entryBytes() {
        return fatType == 12 ? (fat.length * 3L + 1) / 2 : (long) fat.length * (fatType / 8);
    }

    private long endOfChain() {
        return fatType == 12 ? 0xfff : fatType == 16 ? 0xffff : 0x0fffffff;
    }

    private boolean isEnd(long value) {
        long masked = fatType == 32 ? value & 0x0fffffff : value;
        return masked >= (fatType == 12 ? 0xff8 : fatType == 16 ? 0xfff8 : 0x0ffffff8);
    }

    private long next(long cluster) throws IOException {
        checkCluster(cluster);
        long value = fatType == 32 ? fat[(int) cluster] & 0x0fffffff : fat[(int) cluster];
        return isEnd(value) ? -1 : value;
    }

    private void set(long cluster, long value) {
        // FAT32 entries are 28 bits; the top 4 are reserved and kept.
        fat[(int) cluster] = fatType == 32 ? (fat[(int) cluster] & 0xf0000000L) | (value & 0x0fffffff) : value;
        dirtyFatEntries.add(cluster);
    }

    private void checkCluster(long cluster) throws IOException {
        if (cluster < 2 || cluster >= fat.length) {
            throw new IOException("cluster chain points at cluster " + cluster + ", outside the file system");
        }
    }

    /** A chain of {@code count} free clusters, linked and ended. */
    private long allocate(int count) throws CardException {
        List<Long> clusters = new ArrayList<>(count);
        for (long c = nextFreeHint, seen = 0; clusters.size() < count && seen < clusterCount; seen++) {
            if (fat[(int) c] == FREE || (fatType == 32 && (fat[(int) c] & 0x0fffffff) == FREE)) {
                clusters.add(c);
            }
            c = c + 1 >= fat.length ? 2 : c + 1;
        }
        if (clusters.size() < count) {
            throw new CardException("the FAT file system is full: " + count + " more clusters of " + clusterSize
                    + " bytes are needed");
        }
        for (int i = 0; i < count; i++) {
            set(clusters.get(i), i + 1 < count ? clusters.get(i + 1) : endOfChain());
        }
        nextFreeHint = clusters.get(count - 1) + 1 >= fat.length ? 2 : clusters.get(count - 1) + 1;
        return clusters.get(0);
    }

    private void freeChain(long first) throws IOException {
        for (long c = first; c >= 2; ) {
            long following = next(c);
            set(c, FREE);
            c = following;
        }
    }

    private long clusterOffset(long cluster) {
        return dataOffset + (cluster - 2) * clusterSize;
    }

    // ---- directories -----------------------------------------------------------------------------

    /** A directory's location: the fixed FAT12/16 root region (cluster 0), or a cluster chain. */
    private record Dir(long firstCluster) {
        static final Dir ROOT = new Dir(-1);
    }

    private Directory directory(Dir dir) throws IOException {
        Directory d = new Directory(dir.equals(Dir.ROOT) ? (fatType == 32 ? rootCluster : 0) : dir.firstCluster);
        d.load();
        return d;
    }

    /** One directory's slots, read whole: small on a boot partition. */
    private final class Directory {
        final long firstCluster;
        final List<Long> slotOffsets = new ArrayList<>();
        final List<Entry> entries = new ArrayList<>();
        byte[] slots;

        Directory(long firstCluster) {
            this.firstCluster = firstCluster;
        }

        boolean fixedRoot() {
            return firstCluster == 0;
        }

        void load() throws IOException {
            slotOffsets.clear();
            if (fixedRoot()) {
                for (int i = 0; i < rootEntries; i++) {
                    slotOffsets.add(rootOffset + (long) i * ENTRY);
                }
            } else {
                Set<Long> seen = new HashSet<>();
                for (long c = firstCluster; c != -1; c = next(c)) {
                    if (!seen.add(c)) {
                        throw new IOException("directory cluster chain loops at cluster " + c);
                    }
                    for (int i = 0; i < clusterSize / ENTRY; i++) {
                        slotOffsets.add(clusterOffset(c) + (long) i * ENTRY);
                    }
                }
            }
            slots = new byte[slotOffsets.size() * ENTRY];
            for (int i = 0; i < slotOffsets.size(); i++) {
                storage.read(slotOffsets.get(i), slots, i * ENTRY, ENTRY);
            }
            parse();
        }

        private void parse() {
            entries.clear();
            StringBuilder longName = new StringBuilder();
            int longStart = -1;
            int checksum = -1;
            for (int i = 0; i < slotOffsets.size(); i++) {
                int at = i * ENTRY;
                int first = slots[at] & 0xff;
                if (first == 0) {
                    break;
                }
                int attr = slots[at + 11] & 0xff;
                if (first == 0xe5) {
                    longName.setLength(0);
                    longStart = -1;
                    continue;
                }
                if ((attr & 0x3f) == ATTR_LONG_NAME) {
                    if ((first & 0x40) != 0) {
                        longName.setLength(0);
                        longStart = i;
                        checksum = slots[at + 13] & 0xff;
                    }
                    longName.insert(0, longNamePart(at));
                    continue;
                }
                byte[] raw = java.util.Arrays.copyOfRange(slots, at, at + ENTRY);
                boolean longNameValid = longStart >= 0 && checksum == shortNameChecksum(raw);
                entries.add(new Entry(raw, longNameValid ? longName.toString() : null, longNameValid ? longStart : i, i));
                longName.setLength(0);
                longStart = -1;
            }
        }

        private String longNamePart(int at) {
            StringBuilder part = new StringBuilder();
            for (int offset : new int[] {1, 3, 5, 7, 9, 14, 16, 18, 20, 22, 24, 28, 30}) {
                char c = (char) ((slots[at + offset] & 0xff) | ((slots[at + offset + 1] & 0xff) << 8));
                if (c == 0 || c == 0xffff) {
                    break;
                }
                part.append(c);
            }
            return part.toString();
        }

        Entry find(String name) {
            for (Entry e : entries) {
                if (!e.volumeLabel && (name.equalsIgnoreCase(e.name()) || name.equalsIgnoreCase(e.shortNameText()))) {
                    return e;
                }
            }
            return null;
        }

        void writeEntry(int slot, byte[] raw) throws IOException {
            System.arraycopy(raw, 0, slots, slot * ENTRY, ENTRY);
            storage.write(slotOffsets.get(slot), raw, 0, ENTRY);
        }

        /** The first run of {@code count} free slots, growing a cluster-chain directory when none is left. */
        int freeRun(int count) throws IOException, CardException {
            int run = 0;
            for (int i = 0; i < slotOffsets.size(); i++) {
                int first = slots[i * ENTRY] & 0xff;
                run = first == 0 || first == 0xe5 ? run + 1 : 0;
                if (run == count) {
                    return i - count + 1;
                }
            }
            if (fixedRoot()) {
                throw new CardException("the FAT file system's root directory is full (" + rootEntries + " entries)");
            }
            long last = firstCluster;
            for (long c = next(last); c != -1; c = next(c)) {
                last = c;
            }
            long added = allocate(1);
            set(last, added);
            storage.write(clusterOffset(added), new byte[clusterSize], 0, clusterSize);
            load();
            return freeRun(count);
        }
    }

    /** A file or directory entry: its 32-byte short entry and, when present, its long name. */
    private final class Entry {
        final byte[] raw;
        final String longName;
        final int firstSlot;
        final int shortSlot;
        final boolean volumeLabel;
        long firstCluster;
        long size;

        Entry(byte[] raw, String longName, int firstSlot, int shortSlot) {
            this.raw = raw;
            this.longName = longName;
            this.firstSlot = firstSlot;
            this.shortSlot = shortSlot;
            ByteBuffer b = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN);
            this.volumeLabel = (raw[11] & ATTR_VOLUME_ID) != 0 && (raw[11] & 0x3f) != ATTR_LONG_NAME;
            this.firstCluster = ((long) (b.getShort(20) & 0xffff) << 16 | (b.getShort(26) & 0xffff));
            if (fatType != 32) {
                firstCluster &= 0xffff;
            }
            this.size = Integer.toUnsignedLong(b.getInt(28));
        }

        boolean isDirectory() {
            return (raw[11] & ATTR_DIRECTORY) != 0;
        }

        String name() {
            return longName != null ? longName : shortNameText();
        }

        /** The 8.3 name as shown, with the lower-case flags Windows NT and Linux honour. */
        String shortNameText() {
            String base = new String(raw, 0, 8, StandardCharsets.ISO_8859_1).stripTrailing();
            String ext = new String(raw, 8, 3, StandardCharsets.ISO_8859_1).stripTrailing();
            if (volumeLabel) {
                return base + ext;
            }
            if ((raw[12] & 0x08) != 0) {
                base = base.toLowerCase(Locale.ROOT);
            }
            if ((raw[12] & 0x10) != 0) {
                ext = ext.toLowerCase(Locale.ROOT);
            }
            return ext.isEmpty() ? base : base + "." + ext;
        }

        void update(long cluster, long length) {
            firstCluster = cluster;
            size = length;
            ByteBuffer b = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN);
            b.putShort(20, (short) (cluster >>> 16)).putShort(26, (short) cluster).putInt(28, (int) length);
            stamp(raw, 22, 24, LocalDateTime.now(clock));
        }
    }

    private Entry makeDirectory(Directory parent, String name) throws IOException, CardException {
        long cluster = allocate(1);
        byte[] content = new byte[clusterSize];
        byte[] dot = shortEntry(".          ".getBytes(StandardCharsets.US_ASCII), 0, ATTR_DIRECTORY, cluster, 0);
        long parentCluster = parent.firstCluster == rootCluster && fatType == 32 ? 0 : parent.firstCluster;
        byte[] dotDot = shortEntry("..         ".getBytes(StandardCharsets.US_ASCII), 0, ATTR_DIRECTORY, parentCluster, 0);
        System.arraycopy(dot, 0, content, 0, ENTRY);
        System.arraycopy(dotDot, 0, content, ENTRY, ENTRY);
        storage.write(clusterOffset(cluster), content, 0, clusterSize);
        addEntry(parent, name, ATTR_DIRECTORY, cluster, 0);
        return parent.find(name);
    }

    /** Adds a name to a directory: long-name entries where the name is not a plain 8.3 one, then the short entry. */
    private void addEntry(Directory dir, String name, int attr, long cluster, long size) throws IOException, CardException {
        ShortName shortName = shortName(name, dir);
        byte[] entry = shortEntry(shortName.bytes, shortName.caseFlags, attr, cluster, size);
        List<byte[]> slots = new ArrayList<>();
        if (shortName.needsLongName) {
            int checksum = shortNameChecksum(entry);
            int parts = (name.length() + 12) / 13;
            for (int p = parts; p >= 1; p--) {
                slots.add(longNameEntry(name, p, p == parts, checksum));
            }
        }
        slots.add(entry);
        int first = dir.freeRun(slots.size());
        for (int i = 0; i < slots.size(); i++) {
            dir.writeEntry(first + i, slots.get(i));
        }
        dir.parse();
    }

    private record ShortName(byte[] bytes, int caseFlags, boolean needsLongName) {
    }

    /** The 8.3 name for a long one: the FAT specification's basis name with a numeric tail when needed. */
    private static ShortName shortName(String name, Directory dir) throws CardException {
        int dot = name.lastIndexOf('.');
        String base = dot > 0 ? name.substring(0, dot) : name;
        String ext = dot > 0 ? name.substring(dot + 1) : "";
        boolean plain = base.length() <= 8 && ext.length() <= 3 && valid(base) && valid(ext) && !base.isEmpty()
                && (dot < 0 || dot == name.indexOf('.'));
        if (plain && sameCase(base) && sameCase(ext)) {
            int flags = (isLower(base) ? 0x08 : 0) | (isLower(ext) ? 0x10 : 0);
            return new ShortName(pad(base.toUpperCase(Locale.ROOT), ext.toUpperCase(Locale.ROOT)), flags, false);
        }
        String basis = clean(base.replace(".", ""));
        String extBasis = ext.isEmpty() ? "" : clean(ext);
        extBasis = extBasis.substring(0, Math.min(3, extBasis.length()));
        Set<String> taken = new HashSet<>();
        for (Entry e : dir.entries) {
            taken.add(new String(e.raw, 0, 11, StandardCharsets.ISO_8859_1));
        }
        for (int n = 1; n < 1_000_000; n++) {
            String tail = "~" + n;
            String candidateBase = basis.substring(0, Math.min(basis.length(), 8 - tail.length())) + tail;
            byte[] bytes = pad(candidateBase, extBasis);
            if (!taken.contains(new String(bytes, StandardCharsets.ISO_8859_1))) {
                return new ShortName(bytes, 0, true);
            }
        }
        throw new CardException("no free short name for " + name);
    }

    private static boolean valid(String part) {
        return part.toUpperCase(Locale.ROOT).chars().allMatch(c -> SHORT_NAME_CHARS.indexOf(c) >= 0);
    }

    private static boolean sameCase(String part) {
        return part.equals(part.toUpperCase(Locale.ROOT)) || part.equals(part.toLowerCase(Locale.ROOT));
    }

    private static boolean isLower(String part) {
        return !part.isEmpty() && part.equals(part.toLowerCase(Locale.ROOT)) && !part.equals(part.toUpperCase(Locale.ROOT));
    }

    private static String clean(String part) {
        StringBuilder out = new StringBuilder();
        for (char c : part.toUpperCase(Locale.ROOT).toCharArray()) {
            if (c != ' ') {
                out.append(SHORT_NAME_CHARS.indexOf(c) >= 0 ? c : '_');
            }
        }
        return out.length() == 0 ? "_" : out.toString();
    }

    private static byte[] pad(String base, String ext) {
        return (String.format("%-8s", base) + String.format("%-3s", ext)).getBytes(StandardCharsets.ISO_8859_1);
    }

    private byte[] shortEntry(byte[] name11, int caseFlags, int attr, long cluster, long size) {
        byte[] raw = new byte[ENTRY];
        System.arraycopy(name11, 0, raw, 0, 11);
        raw[11] = (byte) attr;
        raw[12] = (byte) caseFlags;
        ByteBuffer b = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN);
        b.putShort(20, (short) (cluster >>> 16)).putShort(26, (short) cluster).putInt(28, (int) size);
        LocalDateTime now = LocalDateTime.now(clock);
        stamp(raw, 14, 16, now);
        stamp(raw, 22, 24, now);
        raw[18] = raw[24];
        raw[19] = raw[25];
        return raw;
    }

    private static byte[] longNameEntry(String name, int part, boolean last, int checksum) {
        byte[] raw = new byte[ENTRY];
        raw[0] = (byte) (part | (last ? 0x40 : 0));
        raw[11] = ATTR_LONG_NAME;
        raw[13] = (byte) checksum;
        int[] offsets = {1, 3, 5, 7, 9, 14, 16, 18, 20, 22, 24, 28, 30};
        for (int i = 0; i < 13; i++) {
            int index = (part - 1) * 13 + i;
            int c = index < name.length() ? name.charAt(index) : index == name.length() ? 0 : 0xffff;
            raw[offsets[i]] = (byte) c;
            raw[offsets[i] + 1] = (byte) (c >>> 8);
        }
        return raw;
    }

    private static int shortNameChecksum(byte[] entry) {
        int sum = 0;
        for (int i = 0; i < 11; i++) {
            sum = (((sum & 1) << 7) + ((sum & 0xff) >>> 1) + (entry[i] & 0xff)) & 0xff;
        }
        return sum;
    }

    /** DOS time and date of {@code now}, at {@code timeAt} and {@code dateAt}. */
    static void stamp(byte[] raw, int timeAt, int dateAt, LocalDateTime now) {
        int time = (now.getHour() << 11) | (now.getMinute() << 5) | (now.getSecond() / 2);
        int date = ((now.getYear() - 1980) << 9) | (now.getMonthValue() << 5) | now.getDayOfMonth();
        ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN).putShort(timeAt, (short) time).putShort(dateAt, (short) date);
    }

    /** @param listed the directories listed so far: a damaged one may name its ancestor, or the root, as a subdirectory */
    private void listInto(Directory dir, String prefix, Map<String, Long> files, Set<Long> listed) throws IOException {
        if (!listed.add(dir.firstCluster)) {
            throw new IOException("directory " + prefix + " is its own ancestor (cluster " + dir.firstCluster + ")");
        }
        for (Entry e : dir.entries) {
            String name = e.name();
            if (e.volumeLabel || name.equals(".") || name.equals("..")) {
                continue;
            }
            if (e.isDirectory()) {
                listInto(directory(new Dir(e.firstCluster)), prefix + name + "/", files, listed);
            } else {
                files.put(prefix + name, e.size);
            }
        }
    }

    private Entry find(String path) throws IOException {
        String[] parts = path.split("/");
        Directory dir = directory(Dir.ROOT);
        for (int i = 0; i < parts.length - 1; i++) {
            Entry sub = dir.find(parts[i]);
            if (sub == null || !sub.isDirectory()) {
                return null;
            }
            dir = directory(new Dir(sub.firstCluster));
        }
        return dir.find(parts[parts.length - 1]);
    }
}
