package dev.metis.net;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/** A host address with its prefix length, as written in netplan: {@code 10.0.0.21/24}. */
public record Ipv4Cidr(Ipv4 address, int prefixLength) {

    @JsonCreator
    public static Ipv4Cidr parse(String text) {
        if (text == null || text.indexOf('/') < 0) {
            throw new IllegalArgumentException("'" + text + "' is not an address in CIDR form (expected e.g. 10.0.0.21/24)");
        }
        int slash = text.indexOf('/');
        Ipv4 address = Ipv4.parse(text.substring(0, slash));
        String prefix = text.substring(slash + 1).trim();
        if (!prefix.matches("[0-9]{1,2}") || Integer.parseInt(prefix) > 32) {
            throw new IllegalArgumentException("'" + text + "' has a bad prefix length (0 to 32)");
        }
        return new Ipv4Cidr(address, Integer.parseInt(prefix));
    }

    public int netmaskBits() {
        return prefixLength == 0 ? 0 : -1 << (32 - prefixLength);
    }

    public boolean contains(Ipv4 other) {
        return (other.bits() & netmaskBits()) == (address.bits() & netmaskBits());
    }

    @JsonValue
    @Override
    public String toString() {
        return address + "/" + prefixLength;
    }
}
