package dev.metis.dhcp;

import dev.metis.net.Ipv4;

/** An interface proxy-DHCP answers on, with the address it answers as. */
public record DhcpListener(String interfaceName, Ipv4 address) {
}
