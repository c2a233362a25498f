package dev.metis.files;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Maps a client-supplied path onto a regular file under a served root, for HTTP assets and TFTP.
 * Leading and doubled slashes are tolerated (firmware sends both); {@code ..}, backslashes, NUL and
 * anything that resolves outside the root through a symlink are refused.
 */
public final class SafePath {

    private SafePath() {
    }

    /** The segments of a request path, or empty when the path is not acceptable. */
    public static Optional<List<String>> segments(String requested) {
        List<String> segments = new ArrayList<>();
        for (String segment : requested.split("/")) {
            if (segment.isEmpty() || segment.equals(".")) {
                continue;
            }
            if (segment.equals("..") || segment.indexOf('\\') >= 0 || segment.indexOf('\0') >= 0) {
                return Optional.empty();
            }
            segments.add(segment);
        }
        return Optional.of(segments);
    }

    /** A regular file under a served root, with its attributes as read when it was resolved. */
    public record Resolved(Path path, BasicFileAttributes attributes) {
    }

    /**
     * The regular file the path names under {@code root}, or empty if there is none it may serve; a root
     * that is missing or not a directory (not made yet, unmounted) serves nothing.
     */
    public static Optional<Resolved> resolve(Path root, String requested) throws IOException {
        Optional<List<String>> segments = segments(requested);
        if (segments.isEmpty() || segments.get().isEmpty()) {
            return Optional.empty();
        }
        Path realRoot;
        try {
            realRoot = root.toRealPath();
        } catch (NoSuchFileException missingRoot) {
            return Optional.empty();
        }
        Path candidate = realRoot;
        for (String segment : segments.get()) {
            candidate = candidate.resolve(segment);
        }
        Path real;
        BasicFileAttributes attributes;
        try {
            real = candidate.toRealPath();
            attributes = Files.readAttributes(real, BasicFileAttributes.class);
        } catch (IOException missingOrDangling) {
            return Optional.empty();
        }
        if (!real.startsWith(realRoot) || !attributes.isRegularFile()) {
            return Optional.empty();
        }
        return Optional.of(new Resolved(real, attributes));
    }
}
