package dev.metis.dhcp;

import dev.metis.boot.BootDecision;
import dev.metis.boot.BootPolicy;
import dev.metis.identity.ServerUrls;
import dev.metis.inventory.Delivery;
import dev.metis.inventory.Inventory;
import dev.metis.inventory.ResolvedNode;
import dev.metis.inventory.Site;
import dev.metis.net.Ipv4;
import dev.metis.state.NodeStatus;
import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * Proxy-DHCP: answers netboot clients with where to boot from, never with an address (the site's
 * DHCP server keeps doing that). Decides from the request, the inventory and node states; no I/O.
 */
public final class ProxyDhcpService {

    public static final String ARM64_BOOT_FILE = "ipxe-arm64.efi";
    public static final String BIOS_BOOT_FILE = "undionly.kpxe";
    /** PXE_DISCOVERY_CONTROL: boot the file given, no boot server discovery or menu. */
    private static final int DISCOVERY_BOOT_FILE_ONLY = 0x08;
    private static final int SUBOPT_DISCOVERY_CONTROL = 6;
    private static final int SUBOPT_MENU = 9;
    private static final int SUBOPT_PROMPT = 10;
    private static final int SUBOPT_BOOT_ITEM = 71;
    private static final InetSocketAddress BROADCAST = new InetSocketAddress("255.255.255.255", 68);

    /** Which socket a request arrived on. */
    public enum Port {
        /** UDP 67: broadcast DISCOVERs, answered with OFFERs. */
        DHCP,
        /** UDP 4011: PXE boot server REQUESTs, answered with ACKs to the sender. */
        PXE;

        /** Lower-case, as used in metric labels. */
        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * The decision for one request.
     *
     * @param reply         what to send and where, if anything
     * @param discoveredMac an unknown MAC to record, when the site discovers unknown MACs
     * @param addressSeen   the address a known node asked the site's DHCP server for, to bind its seed to
     * @param reason        why, for debug logs and metrics
     */
    public record Outcome(Optional<Reply> reply, Optional<String> discoveredMac, Optional<AddressSeen> addressSeen,
            String reason) {
        static Outcome ignore(String reason) {
            return new Outcome(Optional.empty(), Optional.empty(), Optional.empty(), reason);
        }

        static Outcome answer(Reply reply, Optional<String> discoveredMac, String reason) {
            return new Outcome(Optional.of(reply), discoveredMac, Optional.empty(), reason);
        }
    }

    /** A node's MAC asked the site's DHCP server for {@code address}. */
    public record AddressSeen(ResolvedNode node, Ipv4 address) {
    }

    public record Reply(DhcpReply packet, InetSocketAddress destination, Firmware firmware) {
    }

    private final Function<String, NodeStatus> states;

    /** @param states a node's recorded state, by node name */
    public ProxyDhcpService(Function<String, NodeStatus> states) {
        this.states = states;
    }

    /**
     * @param serverAddress our address on the interface the request came in on
     * @param source        where the request came from
     */
    public Outcome answer(DhcpMessage request, Port port, Ipv4 serverAddress, InetSocketAddress source,
            Inventory inventory) {
        if (request.op() != DhcpMessage.BOOTREQUEST || request.chaddr() == null || request.messageType() == null) {
            return Outcome.ignore("not an Ethernet DHCP request");
        }
        if (port == Port.DHCP && request.messageType() == DhcpMessage.REQUEST) {
            return addressSeen(request, inventory);
        }
        int expected = port == Port.DHCP ? DhcpMessage.DISCOVER : DhcpMessage.REQUEST;
        if (request.messageType() != expected) {
            return Outcome.ignore("message type " + request.messageType() + " on " + port);
        }
        Optional<Firmware> firmware = Firmware.of(request);
        if (firmware.isEmpty()) {
            return Outcome.ignore("not a netboot client");
        }
        Site site = inventory.site();
        Optional<ResolvedNode> node = inventory.nodeByMac(request.chaddr());
        if (node.isEmpty()) {
            boolean discover = site.unknownMacsOrDefault() == Site.UnknownMacs.DISCOVER;
            Optional<String> discovered = discover ? Optional.of(request.chaddr().toString()) : Optional.empty();
            if (!discover || firmware.get() == Firmware.RASPBERRY_PI) {
                return new Outcome(Optional.empty(), discovered, Optional.empty(), "unknown MAC, not answered");
            }
            return Outcome.answer(reply(request, port, firmware.get(), serverAddress, source, site, null),
                    discovered, "unknown MAC: chain to the exit script");
        }
        ResolvedNode known = node.get();
        BootDecision decision = BootPolicy.decide(node, states.apply(known.name()));
        if (known.spec().delivery() == Delivery.SDCARD) {
            return Outcome.ignore("node " + known.name() + " boots from its card");
        }
        if (decision instanceof BootDecision.LocalDisk
                && (firmware.get() == Firmware.RASPBERRY_PI || site.provisionedNodesOrDefault() == Site.ProvisionedNodes.SILENT)) {
            return Outcome.ignore(((BootDecision.LocalDisk) decision).reason() + ": not answered, firmware boots locally");
        }
        return Outcome.answer(reply(request, port, firmware.get(), serverAddress, source, site, known),
                Optional.empty(), decision instanceof BootDecision.Provision ? "node " + known.name() + ": provision"
                        : ((BootDecision.LocalDisk) decision).reason() + ": chain to the exit script");
    }

    /**
     * A broadcast DHCPREQUEST is the client taking an address from the site's server: not ours to
     * answer, but for a node in the inventory it names the address its seed is bound to. Every client
     * counts, not only netboot firmware: the installer's own DHCP client asks again once the kernel runs.
     */
    private static Outcome addressSeen(DhcpMessage request, Inventory inventory) {
        Optional<ResolvedNode> node = inventory.nodeByMac(request.chaddr());
        Optional<Ipv4> address = request.requestedAddress();
        if (node.isEmpty() || address.isEmpty()) {
            return Outcome.ignore("DHCPREQUEST to the site's DHCP server");
        }
        return new Outcome(Optional.empty(), Optional.empty(),
                Optional.of(new AddressSeen(node.get(), address.get())),
                "node " + node.get().name() + " takes " + address.get() + " from the site's DHCP server");
    }

    private static Reply reply(DhcpMessage request, Port port, Firmware firmware, Ipv4 server, InetSocketAddress source,
            Site site, ResolvedNode node) {
        Map<Integer, byte[]> options = new LinkedHashMap<>();
        options.put(DhcpMessage.OPT_MESSAGE_TYPE, new byte[] {(byte) (port == Port.DHCP ? DhcpMessage.OFFER : DhcpMessage.ACK)});
        options.put(DhcpMessage.OPT_SERVER_ID, server.bytes());
        options.put(DhcpMessage.OPT_VENDOR_CLASS, (firmware.isHttpBoot() ? "HTTPClient" : "PXEClient")
                .getBytes(StandardCharsets.US_ASCII));
        request.option(DhcpMessage.OPT_CLIENT_UUID).ifPresent(uuid -> options.put(DhcpMessage.OPT_CLIENT_UUID, uuid));
        options.put(DhcpMessage.OPT_VENDOR_SPECIFIC, vendorOptions(request, firmware));
        DhcpReply packet = new DhcpReply(request.xid(), request.flags(),
                port == Port.PXE ? request.ciaddr() : new Ipv4(0), new Ipv4(0), server, request.giaddr(),
                request.chaddrRaw(), "", bootFile(firmware, site, node), options);
        InetSocketAddress destination;
        if (request.giaddr().bits() != 0) {
            destination = new InetSocketAddress(request.giaddr().toString(), 67);
        } else if (port == Port.PXE) {
            destination = source;
        } else {
            destination = BROADCAST;
        }
        return new Reply(packet, destination, firmware);
    }

    /** The file (or URL) the client should load next. */
    static String bootFile(Firmware firmware, Site site, ResolvedNode node) {
        ServerUrls urls = new ServerUrls(site.serverUrl());
        String override = node == null || node.spec().netboot() == null ? null : node.spec().netboot().bootFile();
        return switch (firmware) {
            case IPXE -> urls.chainScript();
            case BIOS -> override != null ? override : BIOS_BOOT_FILE;
            case EFI_X64 -> override != null ? override : site.efiBootFileOrDefault();
            case EFI_ARM64 -> override != null ? override : ARM64_BOOT_FILE;
            case HTTP_X64 -> urls.firmware(override != null ? override : site.efiBootFileOrDefault());
            case HTTP_ARM64 -> urls.firmware(override != null ? override : ARM64_BOOT_FILE);
            case RASPBERRY_PI -> "";
        };
    }

    /** Option 43: boot the given file without a menu, the Pi's menu entry, and the boot item echoed. */
    private static byte[] vendorOptions(DhcpMessage request, Firmware firmware) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(SUBOPT_DISCOVERY_CONTROL);
        out.write(1);
        out.write(DISCOVERY_BOOT_FILE_ONLY);
        if (firmware == Firmware.RASPBERRY_PI) {
            byte[] text = "Raspberry Pi Boot".getBytes(StandardCharsets.US_ASCII);
            out.write(SUBOPT_MENU);
            out.write(3 + text.length);
            out.write(0);
            out.write(0);
            out.write(text.length);
            out.writeBytes(text);
            out.write(SUBOPT_PROMPT);
            out.write(4);
            out.write(0);
            out.writeBytes("PXE".getBytes(StandardCharsets.US_ASCII));
        }
        bootItem(request).ifPresent(item -> {
            out.write(SUBOPT_BOOT_ITEM);
            out.write(item.length);
            out.writeBytes(item);
        });
        out.write(0xff);
        return out.toByteArray();
    }

    /** Sub-option 71 of the client's option 43, which UEFI firmware expects back on port 4011. */
    private static Optional<byte[]> bootItem(DhcpMessage request) {
        Optional<byte[]> vendor = request.option(DhcpMessage.OPT_VENDOR_SPECIFIC);
        if (vendor.isEmpty()) {
            return Optional.empty();
        }
        byte[] v = vendor.get();
        int i = 0;
        while (i + 1 < v.length) {
            int code = v[i] & 0xff;
            if (code == 0xff) {
                break;
            }
            if (code == 0) {
                i++;
                continue;
            }
            int length = v[i + 1] & 0xff;
            if (i + 2 + length > v.length) {
                break;
            }
            if (code == SUBOPT_BOOT_ITEM) {
                return Optional.of(java.util.Arrays.copyOfRange(v, i + 2, i + 2 + length));
            }
            i += 2 + length;
        }
        return Optional.empty();
    }
}
