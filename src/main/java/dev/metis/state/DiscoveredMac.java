package dev.metis.state;

import dev.metis.inventory.Inventory;
import dev.metis.net.MacAddress;
import java.time.Instant;
import java.util.List;

/** An unknown MAC address that asked to boot: the operator may want to add it to the inventory. */
public record DiscoveredMac(String mac, Instant firstSeen, Instant lastSeen, String lastAddress, long requests) {

    /** Those still unknown to {@code inventory}: a MAC recorded before it was added to a node is not shown. */
    public static List<DiscoveredMac> unknownTo(Inventory inventory, List<DiscoveredMac> discovered) {
        return discovered.stream().filter(d -> inventory.nodeByMac(MacAddress.parse(d.mac())).isEmpty()).toList();
    }
}
