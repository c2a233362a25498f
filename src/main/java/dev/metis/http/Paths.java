package dev.metis.http;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Request paths and route templates as segments. */
public final class Paths {

    private Paths() {
    }

    /** A route template's segments; templates are written by us, so they need no decoding. */
    static List<String> segments(String template) {
        List<String> segments = new ArrayList<>();
        for (String segment : template.split("/")) {
            if (!segment.isEmpty()) {
                segments.add(segment);
            }
        }
        return segments;
    }

    /** Splits the raw path and percent-decodes each segment; an encoded '/' or bad escape is refused. */
    static Optional<List<String>> decode(String rawPath) {
        if (!rawPath.startsWith("/")) {
            return Optional.empty();
        }
        List<String> segments = new ArrayList<>();
        for (String raw : rawPath.substring(1).split("/", -1)) {
            if (raw.isEmpty()) {
                continue;
            }
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            for (int i = 0; i < raw.length(); i++) {
                char c = raw.charAt(i);
                if (c == '%') {
                    if (i + 2 >= raw.length()) {
                        return Optional.empty();
                    }
                    int hi = Character.digit(raw.charAt(i + 1), 16);
                    int lo = Character.digit(raw.charAt(i + 2), 16);
                    if (hi < 0 || lo < 0) {
                        return Optional.empty();
                    }
                    bytes.write(hi * 16 + lo);
                    i += 2;
                } else if (c < 0x80) {
                    bytes.write(c);
                } else {
                    bytes.writeBytes(String.valueOf(c).getBytes(StandardCharsets.UTF_8));
                }
            }
            String segment = bytes.toString(StandardCharsets.UTF_8);
            if (segment.contains("/") || segment.indexOf('\0') >= 0) {
                return Optional.empty();
            }
            segments.add(segment);
        }
        return Optional.of(segments);
    }
}
