package dev.metis.assets;

import dev.metis.files.Sha256;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Files' SHA-256, remembered by path, size and modification time: a golden image of gigabytes is hashed again only
 * when it changed, not at every look.
 */
public final class FileHashes {

    private record Known(long size, FileTime modified, String sha256) {
        boolean describes(BasicFileAttributes now) {
            return size == now.size() && modified.equals(now.lastModifiedTime());
        }
    }

    private final Map<Path, Known> known = new ConcurrentHashMap<>();

    /** The file's SHA-256: remembered, or read now if the file is new or changed. */
    public String of(Path file) throws IOException {
        // Read before hashing: a change made while hashing leaves a stale stamp, so the next look hashes again.
        BasicFileAttributes before = Files.readAttributes(file, BasicFileAttributes.class);
        Known remembered = known.get(file);
        if (remembered != null && remembered.describes(before)) {
            return remembered.sha256();
        }
        String sha256 = hash(file);
        known.put(file, new Known(before.size(), before.lastModifiedTime(), sha256));
        return sha256;
    }

    /** The file's SHA-256 if it was hashed and has not changed since; never reads the file itself. */
    public Optional<String> known(Path file) {
        Known remembered = known.get(file);
        if (remembered == null) {
            return Optional.empty();
        }
        try {
            return remembered.describes(Files.readAttributes(file, BasicFileAttributes.class))
                    ? Optional.of(remembered.sha256()) : Optional.empty();
        } catch (IOException gone) {
            return Optional.empty();
        }
    }

    private static String hash(Path file) throws IOException {
        MessageDigest digest = Sha256.newDigest();
        ByteBuffer buffer = ByteBuffer.allocate(1 << 20);
        try (FileChannel in = FileChannel.open(file)) {
            while (in.read(buffer) >= 0) {
                buffer.flip();
                digest.update(buffer);
                buffer.clear();
            }
        }
        return Sha256.hex(digest);
    }
}
