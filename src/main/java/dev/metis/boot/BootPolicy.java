package dev.metis.boot;

import dev.metis.inventory.ResolvedNode;
import dev.metis.state.NodeState;
import dev.metis.state.NodeStatus;
import java.util.Optional;

/**
 * Boot-once: a node is provisioned while armed and boots from its disk once it has phoned home,
 * until an operator re-arms it. Pure, so HTTP and DHCP decide alike.
 */
public final class BootPolicy {

    private BootPolicy() {
    }

    public static BootDecision decide(Optional<ResolvedNode> node, NodeStatus status) {
        if (node.isEmpty()) {
            return new BootDecision.LocalDisk(null, "unknown MAC address");
        }
        ResolvedNode known = node.get();
        if (status.state() == NodeState.PROVISIONED) {
            return new BootDecision.LocalDisk(known, "node " + known.name() + " is provisioned");
        }
        return new BootDecision.Provision(known);
    }
}
