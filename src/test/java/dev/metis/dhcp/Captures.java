package dev.metis.dhcp;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;

/** DHCP payloads captured from real clients (see src/test/resources/dhcp/README.md). */
public final class Captures {

    private Captures() {
    }

    public static byte[] load(String name) {
        try (InputStream in = Captures.class.getResourceAsStream("/dhcp/" + name + ".hex")) {
            return HexFormat.of().parseHex(new String(in.readAllBytes(), StandardCharsets.US_ASCII).trim());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
