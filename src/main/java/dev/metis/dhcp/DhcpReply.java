package dev.metis.dhcp;

import dev.metis.net.Ipv4;
import java.util.LinkedHashMap;
import java.util.Map;

/** A BOOTREPLY to encode; options in the order they are written. */
public record DhcpReply(int xid, int flags, Ipv4 ciaddr, Ipv4 yiaddr, Ipv4 siaddr, Ipv4 giaddr, byte[] chaddrRaw,
        String sname, String file, Map<Integer, byte[]> options) {

    public DhcpReply {
        options = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(options));
    }
}
