package dev.metis.dhcp;

import java.net.InetSocketAddress;

/** An encoded answer and where to send it. */
public record DhcpDatagram(byte[] bytes, InetSocketAddress destination) {
}
