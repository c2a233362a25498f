package dev.metis.tftp;

import dev.metis.files.SafePath;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Keeps small boot files (iPXE binaries, Pi firmware) in memory, shared by every transfer, so a boot
 * storm reads each file once instead of once per block per client. Bounded in total bytes; a file is
 * re-read when its size or modification time changes; larger files are read from disk per block.
 */
public final class FileCache {

    private record Key(Path path, long size, long modified) {
    }

    private final long maxFileBytes;
    private final long maxTotalBytes;
    private final Map<Key, byte[]> entries = new LinkedHashMap<>(16, 0.75f, true);
    private long totalBytes;

    public FileCache(long maxFileBytes, long maxTotalBytes) {
        this.maxFileBytes = maxFileBytes;
        this.maxTotalBytes = maxTotalBytes;
    }

    /** The file's content, by the size and modification time it was resolved with. */
    public TftpSource open(SafePath.Resolved resolved) throws IOException {
        Path file = resolved.path();
        BasicFileAttributes attributes = resolved.attributes();
        if (attributes.size() > maxFileBytes) {
            return TftpSource.open(file);
        }
        Key key = new Key(file, attributes.size(), attributes.lastModifiedTime().toMillis());
        byte[] cached;
        synchronized (this) {
            cached = entries.get(key);
        }
        if (cached == null) {
            cached = Files.readAllBytes(file);
            if (cached.length != attributes.size()) {
                return TftpSource.of(cached); // changed while reading: serve what was read, cache nothing
            }
            remember(key, cached);
        }
        return TftpSource.of(cached);
    }

    private synchronized void remember(Key key, byte[] content) {
        var stale = entries.entrySet().iterator();
        while (stale.hasNext()) {
            var entry = stale.next();
            if (entry.getKey().path().equals(key.path()) && !entry.getKey().equals(key)) {
                totalBytes -= entry.getValue().length;
                stale.remove();
            }
        }
        if (entries.putIfAbsent(key, content) == null) {
            totalBytes += content.length;
        }
        var oldest = entries.entrySet().iterator();
        while (totalBytes > maxTotalBytes && oldest.hasNext()) {
            totalBytes -= oldest.next().getValue().length;
            oldest.remove();
        }
    }

    synchronized long cachedBytes() {
        return totalBytes;
    }
}
