package dev.metis.boot;

import dev.metis.inventory.ResolvedNode;

/** What a netbooting machine is told to do. */
public sealed interface BootDecision {

    /** Boot the node's own script: it is armed for (re)provisioning. */
    record Provision(ResolvedNode node) implements BootDecision {
    }

    /** Boot from the local disk; {@code node} is null for an unknown MAC. */
    record LocalDisk(ResolvedNode node, String reason) implements BootDecision {
    }
}
