package dev.metis.dhcp;

import dev.metis.net.Ipv4;
import dev.metis.net.MacAddress;
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

    /**
     * What a booting machine's DHCP client sends: the captured udhcpc DHCPREQUEST, as {@code mac} asking the
     * site's DHCP server for {@code address} (option 50).
     */
    public static byte[] dhcpRequest(String mac, String address) {
        byte[] packet = load("udhcpc-request");
        System.arraycopy(MacAddress.parse(mac).bytes(), 0, packet, 28, 6);
        for (int i = 240; (packet[i] & 0xff) != 0xff; i += (packet[i] & 0xff) == 0 ? 1 : 2 + (packet[i + 1] & 0xff)) {
            if ((packet[i] & 0xff) == 50) {
                System.arraycopy(Ipv4.parse(address).bytes(), 0, packet, i + 2, 4);
            }
        }
        return packet;
    }
}
