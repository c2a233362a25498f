package dev.metis.boot;

import dev.metis.inventory.ResolvedNode;
import dev.metis.state.NodeState;
import dev.metis.state.NodeStatus;
import java.util.Optional;

/**
 * Boot-once: a node is provisioned while armed and boots from its disk once it has phoned home (or, for a
 * node that installs an image, once its disk was written and verified), until an operator re-arms it. Pure, so HTTP and DHCP decide alike.
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
        if (status.state() == NodeState.INSTALLED) {
            // Its image is on the disk and verified: the first disk boot applies the seed and phones home.
            return new BootDecision.LocalDisk(known, "node " + known.name() + " is installed");
        }
        return new BootDecision.Provision(known);
    }
}
