package dev.metis.boot;

import dev.metis.identity.Artifact;
import dev.metis.identity.BootScripts;
import dev.metis.identity.NodeIdentity;
import dev.metis.inventory.ResolvedNode;
import dev.metis.inventory.Site;
import dev.metis.net.MacAddress;
import dev.metis.secrets.SecretUnavailableException;
import dev.metis.served.ServedInventory;
import dev.metis.state.NodeEvent;
import dev.metis.state.NodeStatus;
import dev.metis.state.StateStore;
import java.net.InetAddress;
import java.util.List;
import java.util.Optional;

/**
 * Serves a booting node its boot file, whichever protocol asks: an iPXE script over HTTP or a
 * Raspberry Pi's {@code cmdline.txt} over TFTP. One sequence for both: decide with {@link BootPolicy},
 * render with the node's identity, issue a seed token through {@link SeedBindings} (refused unless the
 * asking address has evidence), and record what was served in the node's state.
 */
public final class BootFiles {

    private final ServedInventory inventory;
    private final StateStore state;
    private final SeedBindings seeds;

    public BootFiles(ServedInventory inventory, StateStore state, SeedBindings seeds) {
        this.inventory = inventory;
        this.state = state;
        this.seeds = seeds;
    }

    /** What the asking machine gets. */
    public sealed interface Answer {
    }

    /** The node's own boot file for this boot, its seed URL carrying a new token. */
    public record Served(String node, byte[] bytes) implements Answer {
    }

    /** Boot from the local disk: the node is provisioned or unknown, or has nothing to netboot. */
    public record LocalDisk(Optional<String> node, String reason) implements Answer {
        /** The iPXE script that says so and exits to the next boot device. */
        public byte[] exitScript() {
            return BootScripts.exitToDisk(reason);
        }
    }

    /** Not for this client now (no evidence, wrong address, conflict...): the reason, never a token. */
    public record Refused(String reason) implements Answer {
    }

    /**
     * The iPXE script for the machine with {@code mac}. An unknown MAC is recorded as discovered when the
     * site says so.
     *
     * @throws SecretUnavailableException the node is armed but its secrets cannot be read: without them the
     *                                    installation it would start cannot finish
     */
    public Answer ipxeScript(MacAddress mac, InetAddress from) throws SecretUnavailableException {
        ServedInventory.Generation current = inventory.current();
        Optional<ResolvedNode> node = current.inventory().nodeByMac(mac);
        BootDecision decision = decide(node);
        if (decision instanceof BootDecision.LocalDisk disk) {
            if (disk.node() != null) {
                state.exitServed(disk.node().name(), from.getHostAddress());
            } else if (current.inventory().site().unknownMacsOrDefault() == Site.UnknownMacs.DISCOVER) {
                state.discoveredMac(mac.toString(), from.getHostAddress());
            }
            return new LocalDisk(node.map(ResolvedNode::name), disk.reason());
        }
        ResolvedNode armed = ((BootDecision.Provision) decision).node();
        NodeIdentity identity = current.identity(armed);
        if (armed.installsImage()) {
            interruptedInstall(armed, from);
        }
        if (identity.bytes(Artifact.IPXE).length == 0) {
            return new LocalDisk(Optional.of(armed.name()), "node " + armed.name() + " has no netboot kernel");
        }
        return issue(current, armed, identity, Artifact.IPXE, from);
    }

    /**
     * A netbooting Pi's {@code cmdline.txt}, or why not. A provisioned Pi is told to boot from its own
     * storage ({@link #piBootsLocally}), so its firmware moves on to the next entry of its boot order.
     */
    public Answer piCmdline(ResolvedNode pi, InetAddress from) throws SecretUnavailableException {
        Optional<String> notNow = piBootsLocally(pi);
        if (notNow.isPresent()) {
            return new LocalDisk(Optional.of(pi.name()), notNow.get());
        }
        ServedInventory.Generation current = inventory.current();
        return issue(current, pi, current.identity(pi), Artifact.PI_CMDLINE, from);
    }

    /** Why the Pi may have none of its boot files now, by the same rule as its {@code cmdline.txt}. */
    public Optional<String> piBootsLocally(ResolvedNode pi) {
        return decide(Optional.of(pi)) instanceof BootDecision.LocalDisk disk
                ? Optional.of(disk.reason() + "; it boots from its own storage") : Optional.empty();
    }

    /**
     * A node that boots again while its last install was under way lost it (power, a reset, a crash): said on
     * its timeline, since nothing else will report it.
     */
    private void interruptedInstall(ResolvedNode node, InetAddress from) {
        List<NodeEvent> events = state.status(node.name()).events();
        for (int i = events.size() - 1; i >= 0; i--) {
            String event = events.get(i).event();
            if (event.equals(NodeEvent.INSTALL_STARTED) || event.equals(NodeEvent.INSTALL_PROGRESS)) {
                state.reported(node.name(), NodeEvent.INSTALL_FAILED, "interrupted: the node booted again before "
                        + "its disk was verified", from.getHostAddress());
                return;
            }
            if (event.startsWith("install-")) {
                return;
            }
        }
    }

    private BootDecision decide(Optional<ResolvedNode> node) {
        return BootPolicy.decide(node, node.map(n -> state.status(n.name())).orElse(NodeStatus.NEW));
    }

    private Answer issue(ServedInventory.Generation current, ResolvedNode node, NodeIdentity identity,
            Artifact artifact, InetAddress from) {
        SeedBindings.Issued issued = seeds.issue(node, artifact.fileName(), from);
        if (issued.token() == null) {
            return new Refused(issued.explanation(node));
        }
        state.scriptServed(node.name(), identity.configHash(), from.getHostAddress());
        return new Served(node.name(), current.bootFile(node, artifact, issued.token()));
    }
}
