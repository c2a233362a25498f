package dev.metis.http;

import java.util.Optional;

/** A single {@code Range: bytes=...} request resolved against a file length (RFC 9110 section 14). */
public record ByteRange(long first, long last) {

    public long length() {
        return last - first + 1;
    }

    /** Outcome of reading a Range header. */
    public sealed interface Parsed {
    }

    /** No usable Range header (absent, not bytes, or several ranges): send the whole file. */
    public record Whole() implements Parsed {
    }

    public record Partial(ByteRange range) implements Parsed {
    }

    /** Well-formed but outside the file: 416. */
    public record Unsatisfiable() implements Parsed {
    }

    public static Parsed parse(String header, long fileLength) {
        if (header == null || !header.startsWith("bytes=")) {
            return new Whole();
        }
        String spec = header.substring(6).trim();
        if (spec.contains(",")) {
            return new Whole(); // multipart/byteranges is not worth it for boot assets; RFC allows ignoring
        }
        int dash = spec.indexOf('-');
        if (dash < 0) {
            return new Whole();
        }
        Optional<Long> start = number(spec.substring(0, dash));
        Optional<Long> end = number(spec.substring(dash + 1));
        if (spec.substring(0, dash).isEmpty()) {
            if (end.isEmpty() || end.get() == 0) {
                return end.isEmpty() ? new Whole() : new Unsatisfiable();
            }
            long suffix = Math.min(end.get(), fileLength);
            return fileLength == 0 ? new Unsatisfiable() : new Partial(new ByteRange(fileLength - suffix, fileLength - 1));
        }
        if (start.isEmpty() || (!spec.substring(dash + 1).isEmpty() && end.isEmpty())) {
            return new Whole();
        }
        long first = start.get();
        long last = end.isPresent() ? Math.min(end.get(), fileLength - 1) : fileLength - 1;
        if (end.isPresent() && end.get() < first) {
            return new Whole();
        }
        if (first >= fileLength) {
            return new Unsatisfiable();
        }
        return new Partial(new ByteRange(first, last));
    }

    private static Optional<Long> number(String text) {
        if (!text.matches("[0-9]{1,18}")) {
            return Optional.empty();
        }
        return Optional.of(Long.parseLong(text));
    }
}
