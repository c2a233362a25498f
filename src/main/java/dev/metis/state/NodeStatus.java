package dev.metis.state;

import java.time.Instant;
import java.util.List;

/**
 * A node's state as recorded.
 *
 * @param servedHash      config hash of the last script or seed served to it
 * @param provisionedHash config hash it reported at phone-home; drift is this differing from the current one
 * @param events          most recent last
 */
public record NodeStatus(NodeState state, String servedHash, String provisionedHash, Instant lastSeen,
        List<NodeEvent> events) {

    public static final NodeStatus NEW = new NodeStatus(NodeState.ARMED, null, null, null, List.of());

    public NodeStatus {
        events = List.copyOf(events);
    }

    /** Whether the node runs another config than the inventory now gives it ({@code currentHash}, if known). */
    public boolean drifted(String currentHash) {
        return state == NodeState.PROVISIONED && currentHash != null && !currentHash.equals(provisionedHash);
    }
}
