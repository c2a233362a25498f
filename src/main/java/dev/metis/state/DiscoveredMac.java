package dev.metis.state;

import java.time.Instant;

/** An unknown MAC address that asked to boot: the operator may want to add it to the inventory. */
public record DiscoveredMac(String mac, Instant firstSeen, Instant lastSeen, String lastAddress, long requests) {
}
