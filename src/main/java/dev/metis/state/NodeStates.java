package dev.metis.state;

import java.util.List;
import java.util.Map;

/**
 * What a state directory holds of nodes, as {@link StateStore#read} found it.
 *
 * @param nodes      by node name; nodes never seen are absent
 * @param discovered unknown MACs that asked to boot, the one seen longest ago first
 */
public record NodeStates(Map<String, NodeStatus> nodes, List<DiscoveredMac> discovered) {

    public NodeStates {
        nodes = Map.copyOf(nodes);
        discovered = List.copyOf(discovered);
    }

    public NodeStatus status(String node) {
        return nodes.getOrDefault(node, NodeStatus.NEW);
    }
}
