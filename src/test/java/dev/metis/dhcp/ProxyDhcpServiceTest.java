package dev.metis.dhcp;

import static org.assertj.core.api.Assertions.assertThat;

import dev.metis.inventory.Inventory;
import dev.metis.inventory.InventoryLoader;
import dev.metis.net.Ipv4;
import dev.metis.state.NodeState;
import dev.metis.state.NodeStatus;
import dev.metis.testing.InventoryFixture;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProxyDhcpServiceTest {

    private static final Ipv4 SERVER = Ipv4.parse("10.77.0.2");
    private static final InetSocketAddress CLIENT = new InetSocketAddress("10.77.0.146", 68);
    private static final String NODE_MAC = "52:54:00:77:00:11";

    @TempDir
    Path dir;

    private final Map<String, NodeStatus> states = new HashMap<>();
    private final ProxyDhcpService service = new ProxyDhcpService(n -> states.getOrDefault(n, NodeStatus.NEW));
    private Inventory inventory;

    @BeforeEach
    void load() throws Exception {
        inventory = inventory("");
    }

    private Inventory inventory(String siteExtra) throws Exception {
        return InventoryLoader.load(InventoryFixture.write(dir, "inventory.yaml", """
                site:
                  name: lab
                  server_url: http://10.77.0.2:8080
                %s
                classes:
                  net: {arch: amd64, delivery: netboot, netboot: {kernel: k}}
                  pi: {arch: arm64, delivery: netboot}
                  card: {arch: arm64, delivery: sdcard, image: {path: a.img, sha256: "%s"}}
                nodes:
                  vm-1: {class: net, mac: "52:54:00:77:00:11", ip: 10.77.0.50/24}
                  vm-2: {class: net, mac: "52:54:00:77:00:12", ip: 10.77.0.51/24, netboot: {kernel: k, boot_file: custom.efi}}
                  pi-1: {class: pi, mac: "dc:a6:32:00:00:01", ip: 10.77.0.60/24}
                  pi-2: {class: card, mac: "dc:a6:32:00:00:02", ip: 10.77.0.61/24}
                """.formatted(siteExtra, "a".repeat(64))));
    }

    /** A DHCP request as firmware sends it. */
    private static DhcpMessage request(int type, String mac, String vendor, Integer arch, boolean ipxe,
            Map<Integer, byte[]> extra) {
        Map<Integer, byte[]> options = new LinkedHashMap<>();
        options.put(DhcpMessage.OPT_MESSAGE_TYPE, new byte[] {(byte) type});
        if (vendor != null) {
            options.put(DhcpMessage.OPT_VENDOR_CLASS, vendor.getBytes(StandardCharsets.US_ASCII));
        }
        if (arch != null) {
            options.put(DhcpMessage.OPT_CLIENT_ARCH, new byte[] {(byte) (arch >> 8), (byte) (int) arch});
        }
        if (ipxe) {
            options.put(DhcpMessage.OPT_USER_CLASS, "iPXE".getBytes(StandardCharsets.US_ASCII));
        }
        options.put(DhcpMessage.OPT_CLIENT_UUID, new byte[17]);
        options.putAll(extra);
        byte[] chaddr = java.util.Arrays.copyOf(dev.metis.net.MacAddress.parse(mac).bytes(), 16);
        return new DhcpMessage(1, 0x1234, 0, 0x8000, new Ipv4(0), new Ipv4(0), new Ipv4(0), new Ipv4(0), chaddr,
                dev.metis.net.MacAddress.parse(mac), type, options);
    }

    private static DhcpMessage pxe(String mac, int arch) {
        return request(DhcpMessage.DISCOVER, mac, "PXEClient:Arch:0000" + arch + ":UNDI:002001", arch, false, Map.of());
    }

    private Optional<ProxyDhcpService.Reply> answer(DhcpMessage request) {
        return service.answer(request, ProxyDhcpService.Port.DHCP, SERVER, CLIENT, inventory).reply();
    }

    @Test
    void theCapturedIpxeDiscoverGetsTheCapturedOffer() {
        DhcpMessage discover = DhcpCodec.decode(Captures.load("ipxe-bios-discover")).orElseThrow();
        ProxyDhcpService.Reply reply = answer(discover).orElseThrow();
        assertThat(DhcpCodec.encode(reply.packet())).isEqualTo(Captures.load("metis-offer-ipxe-bios"));
        assertThat(reply.destination()).isEqualTo(new InetSocketAddress("255.255.255.255", 68));
    }

    @Test
    void aProxyOfferCarriesEverythingFirmwareChecks() {
        DhcpReply offer = answer(pxe(NODE_MAC, 0)).orElseThrow().packet();
        assertThat(offer.yiaddr().bits()).isZero();
        assertThat(offer.siaddr()).isEqualTo(SERVER);
        assertThat(offer.file()).isEqualTo("undionly.kpxe");
        assertThat(offer.options().get(DhcpMessage.OPT_MESSAGE_TYPE)).containsExactly(DhcpMessage.OFFER);
        assertThat(offer.options().get(DhcpMessage.OPT_SERVER_ID)).containsExactly(SERVER.bytes());
        assertThat(new String(offer.options().get(DhcpMessage.OPT_VENDOR_CLASS), StandardCharsets.US_ASCII)).isEqualTo("PXEClient");
        assertThat(offer.options().get(DhcpMessage.OPT_CLIENT_UUID)).hasSize(17);
        assertThat(offer.options().get(DhcpMessage.OPT_VENDOR_SPECIFIC)).containsExactly(6, 1, 8, 0xff);
    }

    @Test
    void theBootFileDependsOnTheFirmware() throws Exception {
        assertThat(answer(pxe(NODE_MAC, 7)).orElseThrow().packet().file()).isEqualTo("ipxe.efi");
        assertThat(answer(pxe(NODE_MAC, 9)).orElseThrow().packet().file()).isEqualTo("ipxe.efi");
        assertThat(answer(pxe(NODE_MAC, 11)).orElseThrow().packet().file()).isEqualTo("ipxe-arm64.efi");
        assertThat(answer(pxe("52:54:00:77:00:12", 7)).orElseThrow().packet().file()).isEqualTo("custom.efi");
        assertThat(answer(request(1, NODE_MAC, "PXEClient:Arch:00007", 7, true, Map.of())).orElseThrow().packet().file())
                .isEqualTo("http://10.77.0.2:8080/boot.ipxe");
        DhcpReply http = answer(request(1, NODE_MAC, "HTTPClient:Arch:00016", 16, false, Map.of())).orElseThrow().packet();
        assertThat(http.file()).isEqualTo("http://10.77.0.2:8080/tftp/ipxe.efi");
        assertThat(new String(http.options().get(DhcpMessage.OPT_VENDOR_CLASS), StandardCharsets.US_ASCII)).isEqualTo("HTTPClient");
        inventory = inventory("  efi_boot_file: snponly.efi");
        assertThat(answer(pxe(NODE_MAC, 7)).orElseThrow().packet().file()).isEqualTo("snponly.efi");
        assertThat(answer(pxe(NODE_MAC, 6))).as("32-bit UEFI has no iPXE build here").isEmpty();
    }

    @Test
    void port4011RequestsAreAckedToTheSenderWithTheBootItemEchoed() {
        byte[] clientVendor = {71, 4, (byte) 0x80, 0, 0, 0, (byte) 0xff};
        DhcpMessage request = request(DhcpMessage.REQUEST, NODE_MAC, "PXEClient:Arch:00007:UNDI:003016", 7, false,
                Map.of(DhcpMessage.OPT_VENDOR_SPECIFIC, clientVendor));
        InetSocketAddress from = new InetSocketAddress("10.77.0.146", 4011);
        ProxyDhcpService.Reply ack = service.answer(request, ProxyDhcpService.Port.PXE, SERVER, from, inventory).reply().orElseThrow();
        assertThat(ack.destination()).isEqualTo(from);
        assertThat(ack.packet().options().get(DhcpMessage.OPT_MESSAGE_TYPE)).containsExactly(DhcpMessage.ACK);
        assertThat(ack.packet().options().get(DhcpMessage.OPT_VENDOR_SPECIFIC)).containsExactly(6, 1, 8, 71, 4, 0x80, 0, 0, 0, 0xff);
        assertThat(ack.packet().file()).isEqualTo("ipxe.efi");
    }

    @Test
    void relayedRequestsAreAnsweredToTheRelay() {
        DhcpMessage direct = pxe(NODE_MAC, 0);
        DhcpMessage relayed = new DhcpMessage(1, 1, 0, 0, new Ipv4(0), new Ipv4(0), new Ipv4(0), Ipv4.parse("10.9.0.1"),
                direct.chaddrRaw(), direct.chaddr(), 1, direct.options());
        ProxyDhcpService.Reply reply = answer(relayed).orElseThrow();
        assertThat(reply.destination()).isEqualTo(new InetSocketAddress("10.9.0.1", 67));
        assertThat(reply.packet().giaddr()).isEqualTo(Ipv4.parse("10.9.0.1"));
    }

    @Test
    void onlyNetbootDiscoversOn67AndRequestsOn4011AreAnswered() {
        assertThat(answer(request(1, NODE_MAC, "udhcp 1.35.0", null, false, Map.of()))).isEmpty();
        assertThat(answer(request(1, NODE_MAC, "PXEClient:Arch:00000", null, false, Map.of()))).as("no option 93").isEmpty();
        assertThat(answer(request(1, NODE_MAC, "MSFT 5.0", 0, false, Map.of()))).isEmpty();
        assertThat(answer(request(DhcpMessage.REQUEST, NODE_MAC, "PXEClient", 0, false, Map.of()))).isEmpty();
        assertThat(service.answer(pxe(NODE_MAC, 0), ProxyDhcpService.Port.PXE, SERVER, CLIENT, inventory).reply()).isEmpty();
        assertThat(answer(DhcpCodec.decode(Captures.load("udhcpc-discover")).orElseThrow())).isEmpty();
        assertThat(answer(DhcpCodec.decode(Captures.load("dnsmasq-offer")).orElseThrow())).isEmpty();
    }

    @Test
    void aKnownNodesRequestToTheSiteServerNamesItsAddressAndIsNotAnswered() {
        for (String capture : new String[] {"ipxe-bios-request", "ipxe-efi-request", "udhcpc-request"}) {
            ProxyDhcpService.Outcome outcome = service.answer(DhcpCodec.decode(Captures.load(capture)).orElseThrow(),
                    ProxyDhcpService.Port.DHCP, SERVER, CLIENT, inventory);
            assertThat(outcome.reply()).as(capture).isEmpty();
            assertThat(outcome.addressSeen()).as(capture).contains(new ProxyDhcpService.AddressSeen(
                    inventory.nodeByMac(dev.metis.net.MacAddress.parse(NODE_MAC)).orElseThrow(), Ipv4.parse("10.77.0.146")));
        }
        DhcpMessage renewing = new DhcpMessage(1, 7, 0, 0, Ipv4.parse("10.77.0.147"), new Ipv4(0), new Ipv4(0),
                new Ipv4(0), request(3, NODE_MAC, null, null, false, Map.of()).chaddrRaw(),
                dev.metis.net.MacAddress.parse(NODE_MAC), DhcpMessage.REQUEST, Map.of(DhcpMessage.OPT_MESSAGE_TYPE, new byte[] {3}));
        assertThat(service.answer(renewing, ProxyDhcpService.Port.DHCP, SERVER, CLIENT, inventory).addressSeen())
                .as("ciaddr without option 50").map(ProxyDhcpService.AddressSeen::address).contains(Ipv4.parse("10.77.0.147"));
        assertThat(service.answer(request(3, "52:54:00:99:99:99", null, null, false,
                Map.of(DhcpMessage.OPT_REQUESTED_ADDRESS, Ipv4.parse("10.77.0.9").bytes())),
                ProxyDhcpService.Port.DHCP, SERVER, CLIENT, inventory).addressSeen()).as("unknown MAC").isEmpty();
        assertThat(service.answer(request(3, NODE_MAC, null, null, false, Map.of()), ProxyDhcpService.Port.DHCP,
                SERVER, CLIENT, inventory).addressSeen()).as("no address in it").isEmpty();
    }

    @Test
    void provisionedNodesChainToTheExitScriptOrAreNotAnswered() throws Exception {
        states.put("vm-1", new NodeStatus(NodeState.PROVISIONED, "h", "h", null, List.of()));
        assertThat(answer(pxe(NODE_MAC, 0))).isPresent();
        inventory = inventory("  provisioned_nodes: silent");
        assertThat(answer(pxe(NODE_MAC, 0))).isEmpty();
        states.put("vm-1", new NodeStatus(NodeState.ARMED, "h", "h", null, List.of()));
        assertThat(answer(pxe(NODE_MAC, 0))).isPresent();
    }

    @Test
    void unknownMacsAreDiscoveredOrIgnoredAsTheSiteSays() throws Exception {
        ProxyDhcpService.Outcome discovered = service.answer(pxe("52:54:00:99:99:99", 0), ProxyDhcpService.Port.DHCP,
                SERVER, CLIENT, inventory);
        assertThat(discovered.reply()).isPresent();
        assertThat(discovered.discoveredMac()).contains("52:54:00:99:99:99");
        inventory = inventory("  unknown_macs: ignore");
        ProxyDhcpService.Outcome ignored = service.answer(pxe("52:54:00:99:99:99", 0), ProxyDhcpService.Port.DHCP,
                SERVER, CLIENT, inventory);
        assertThat(ignored.reply()).isEmpty();
        assertThat(ignored.discoveredMac()).isEmpty();
    }

    @Test
    void raspberryPisGetTheirBootMenuAndNoAnswerOnceProvisionedOrOnCards() {
        DhcpReply offer = answer(pxe("dc:a6:32:00:00:01", 0)).orElseThrow().packet();
        String vendor = new String(offer.options().get(DhcpMessage.OPT_VENDOR_SPECIFIC), StandardCharsets.ISO_8859_1);
        assertThat(vendor).contains("Raspberry Pi Boot").contains("\0PXE");
        assertThat(offer.file()).isEmpty();
        assertThat(answer(pxe("dc:a6:32:00:00:02", 0))).as("card-booted Pi").isEmpty();
        states.put("pi-1", new NodeStatus(NodeState.PROVISIONED, "h", "h", null, List.of()));
        assertThat(answer(pxe("dc:a6:32:00:00:01", 0))).isEmpty();
        assertThat(answer(pxe("dc:a6:32:00:00:99", 0))).as("unknown Pi").isEmpty();
    }
}
