package dev.metis.net;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.HexFormat;
import java.util.Locale;

/** A 48-bit Ethernet address, always shown in lower-case colon form ({@code b8:27:eb:01:02:03}). */
public record MacAddress(String value) {

    public MacAddress {
        value = normalise(value);
    }

    /** Accepts colon, hyphen, dotted (Cisco) and bare hex spellings in either case. */
    @JsonCreator
    public static MacAddress parse(String text) {
        return new MacAddress(text);
    }

    public static MacAddress of(byte[] bytes) {
        if (bytes.length != 6) {
            throw new IllegalArgumentException("a MAC address has 6 bytes, not " + bytes.length);
        }
        return new MacAddress(HexFormat.of().formatHex(bytes));
    }

    private static String normalise(String text) {
        if (text == null) {
            throw new IllegalArgumentException("a MAC address is required");
        }
        String hex = text.trim().replaceAll("[:\\-.]", "").toLowerCase(Locale.ROOT);
        String shape = text.trim();
        boolean knownShape = shape.matches("(?i)([0-9a-f]{2}[:\\-]){5}[0-9a-f]{2}")
                || shape.matches("(?i)([0-9a-f]{4}\\.){2}[0-9a-f]{4}")
                || shape.matches("(?i)[0-9a-f]{12}");
        if (!knownShape) {
            throw new IllegalArgumentException("'" + text + "' is not a MAC address (expected e.g. b8:27:eb:01:02:03)");
        }
        StringBuilder out = new StringBuilder(17);
        for (int i = 0; i < 12; i += 2) {
            if (i > 0) {
                out.append(':');
            }
            out.append(hex, i, i + 2);
        }
        return out.toString();
    }

    public byte[] bytes() {
        return HexFormat.ofDelimiter(":").parseHex(value);
    }

    /** The three-byte vendor prefix, e.g. {@code dc:a6:32} for a Raspberry Pi 4. */
    public String oui() {
        return value.substring(0, 8);
    }

    @JsonValue
    @Override
    public String toString() {
        return value;
    }
}
