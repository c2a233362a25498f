package dev.metis.card.image;

import dev.metis.files.RunFiles;
import dev.metis.files.Sha256;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The SHA-256 of every {@value ChunkBuffers#CHUNK}-byte chunk of a golden image file whose whole-file SHA-256
 * matched the inventory's, or {@value #ZERO} for a chunk of zeros (free space, a good part of a fresh
 * image), kept in the image cache as {@code <sha256>.chunks}. A later use checks each chunk against it, on
 * all cores at once, instead of hashing the whole file on one: a file that matches every chunk and the
 * size has the same bytes as the one that was verified. A zero chunk is checked by comparing it with
 * zeros, exact and some thirty times faster than hashing it. The manifest is trusted only
 * when nobody but the user running Metis can have written it; anything else about it that is off (missing,
 * damaged, another image's, another chunk size) sends the caller back to the whole-file hash, which
 * writes it anew.
 *
 * <p>For a compressed image it also records, once a pass has decompressed the file to its end with nothing
 * wrong (each check of its format passed, nothing after its end, its size as its header says), how many
 * bytes it decompressed to: decompressing is deterministic, so a file that matches the manifest would
 * decompress the same way, and {@code metis plan} can say so without decompressing it again.
 */
final class ChunkManifest {

    static final String ZERO = "zero";
    private static final String FORMAT = "metis-chunks 2";
    private static final String STREAM_UNCHECKED = "stream unchecked";
    private static final Set<PosixFilePermission> OTHERS_WRITE = Set.of(PosixFilePermission.GROUP_WRITE,
            PosixFilePermission.OTHERS_WRITE);

    private final String sha256;
    private final long size;
    private final List<String> chunks;
    private final WholeStream wholeStream;

    /** A pass that decompressed the file whole: its {@link Compression} and the bytes it gave. */
    record WholeStream(Compression compression, long size) {
        @Override
        public String toString() {
            return "stream " + compression + " " + size;
        }
    }

    ChunkManifest(String sha256, long size, List<String> chunks, WholeStream wholeStream) {
        this.sha256 = sha256;
        this.size = size;
        this.chunks = List.copyOf(chunks);
        this.wholeStream = wholeStream;
    }

    static Path file(Path cacheDir, String sha256) {
        return cacheDir.resolve(sha256 + ".chunks");
    }

    long size() {
        return size;
    }

    /** The pass on record that decompressed the file whole, if there was one. */
    Optional<WholeStream> wholeStream() {
        return Optional.ofNullable(wholeStream);
    }

    /** This manifest, recording a pass that decompressed the file whole. */
    ChunkManifest withWholeStream(WholeStream whole) {
        return new ChunkManifest(sha256, size, chunks, whole);
    }

    /** The expected SHA-256 (hex) of chunk {@code index}, or {@link #ZERO}. */
    String chunk(int index) {
        return chunks.get(index);
    }

    /** The manifest for an image with this SHA-256, when there is a usable one. */
    static Optional<ChunkManifest> read(Path file, String sha256) {
        try {
            if (!writtenOnlyByUs(file)) {
                return Optional.empty();
            }
            List<String> lines = Files.readAllLines(file, StandardCharsets.US_ASCII);
            if (lines.size() < 6 || !lines.get(0).equals(FORMAT) || !lines.get(1).equals("sha256 " + sha256)
                    || !lines.get(3).equals("chunk " + ChunkBuffers.CHUNK)) {
                return Optional.empty();
            }
            String body = String.join("\n", lines.subList(0, lines.size() - 1)) + "\n";
            if (!lines.get(lines.size() - 1).equals("check " + Sha256.hex(body.getBytes(StandardCharsets.US_ASCII)))) {
                return Optional.empty();
            }
            long size = Long.parseLong(lines.get(2).substring("size ".length()));
            List<String> chunks = lines.subList(5, lines.size() - 1);
            if (chunks.size() != (size + ChunkBuffers.CHUNK - 1) / ChunkBuffers.CHUNK) {
                return Optional.empty();
            }
            return Optional.of(new ChunkManifest(sha256, size, chunks, wholeStream(lines.get(4))));
        } catch (IOException | RuntimeException e) {
            // Missing, unreadable or malformed: the whole-file hash decides, and replaces it.
            return Optional.empty();
        }
    }

    private static WholeStream wholeStream(String line) {
        if (line.equals(STREAM_UNCHECKED)) {
            return null;
        }
        String[] words = line.split(" ");
        if (words.length != 3 || !words[0].equals("stream")) {
            throw new IllegalArgumentException("not a stream line: " + line);
        }
        return new WholeStream(Compression.valueOf(words[1].toUpperCase(java.util.Locale.ROOT)), Long.parseLong(words[2]));
    }

    /** Written to a temporary file and renamed, so a reader sees the old manifest or the new one, never half. */
    void write(Path file) throws IOException {
        StringBuilder body = new StringBuilder(FORMAT).append('\n').append("sha256 ").append(sha256).append('\n')
                .append("size ").append(size).append('\n').append("chunk ").append(ChunkBuffers.CHUNK).append('\n')
                .append(wholeStream == null ? STREAM_UNCHECKED : wholeStream.toString()).append('\n');
        chunks.forEach(chunk -> body.append(chunk).append('\n'));
        String check = Sha256.hex(body.toString().getBytes(StandardCharsets.US_ASCII));
        body.append("check ").append(check).append('\n');
        Path dir = Files.createDirectories(file.toAbsolutePath().getParent());
        Path partial = Files.createTempFile(dir, "." + file.getFileName(), ".part",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-r--r--")));
        try {
            Files.writeString(partial, body, StandardCharsets.US_ASCII);
            RunFiles.moveIntoPlace(partial, file);
        } finally {
            Files.deleteIfExists(partial);
        }
    }

    /**
     * Whoever else could write the manifest could make any image pass for the inventory's: only a file owned
     * by this process's user and writable by no one else counts. Root and the user itself can change the
     * inventory's hash anyway.
     */
    private static boolean writtenOnlyByUs(Path file) throws IOException {
        Object owner = Files.getAttribute(file, "unix:uid");
        Object us = Files.getAttribute(Path.of("/proc/self"), "unix:uid");
        return owner.equals(us) && Files.isRegularFile(file)
                && Files.getPosixFilePermissions(file).stream().noneMatch(OTHERS_WRITE::contains);
    }

    /** Collects chunk hashes in order while the whole file is hashed. */
    static final class Builder {
        private final String sha256;
        private final List<String> chunks = new ArrayList<>();

        Builder(String sha256) {
            this.sha256 = sha256;
        }

        void set(int index, String chunkSha256) {
            synchronized (chunks) {
                while (chunks.size() <= index) {
                    chunks.add(null);
                }
                chunks.set(index, chunkSha256);
            }
        }

        ChunkManifest build(long size) {
            synchronized (chunks) {
                return new ChunkManifest(sha256, size, chunks, null);
            }
        }
    }
}
