package dev.metis.dhcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import dev.metis.boot.SeedBindings;
import dev.metis.identity.PhoneHomeKeys;
import dev.metis.inventory.Inventory;
import dev.metis.inventory.InventoryLoader;
import dev.metis.inventory.ResolvedNode;
import dev.metis.metrics.MetisMetrics;
import dev.metis.net.Ipv4;
import dev.metis.serve.MetricLabels;
import dev.metis.state.DiscoveredMac;
import dev.metis.state.NodeEvent;
import dev.metis.state.StateStore;
import dev.metis.testing.InventoryFixture;
import dev.metis.testing.LogCapture;
import dev.metis.testing.TestClock;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Datagram in, datagram out, with what the responder records: state, seed sightings, access log, metrics. */
class ProxyDhcpResponderTest {

    /** The MAC, server and client address of the captures (see src/test/resources/dhcp/README.md). */
    private static final String MAC = "52:54:00:77:00:11";
    private static final DhcpListener BR0 = new DhcpListener("br0", Ipv4.parse("10.77.0.2"));
    private static final InetSocketAddress CLIENT = new InetSocketAddress("10.77.0.146", 68);

    @TempDir
    Path dir;

    private final TestClock clock = new TestClock(Instant.parse("2026-03-01T10:00:00Z"));
    private final MetisMetrics metrics = new MetisMetrics(MetricLabels.known());
    private StateStore state;
    private SeedBindings seeds;
    private Inventory inventory;
    private ProxyDhcpResponder responder;

    @BeforeEach
    void start() throws Exception {
        state = StateStore.open(dir.resolve("state"), clock);
        seeds = new SeedBindings(List.of(), clock, Duration.ofMinutes(30), new PhoneHomeKeys(new byte[32]), saved -> { },
                (file, reason) -> { });
        inventory = inventory(MAC);
        responder = new ProxyDhcpResponder(() -> inventory, state, seeds, metrics);
    }

    @AfterEach
    void stop() throws Exception {
        state.close();
    }

    private Inventory inventory(String nodeMac) throws Exception {
        return InventoryLoader.load(InventoryFixture.write(dir, "inventory.yaml", """
                site:
                  name: lab
                  server_url: http://10.77.0.2:8080
                classes:
                  net: {arch: amd64, delivery: netboot, netboot: {kernel: k}}
                nodes:
                  vm-1: {class: net, mac: "%s", ip: 10.77.0.50/24}
                """.formatted(nodeMac)));
    }

    private String counted(String port, String result) {
        return "metis_dhcp_requests_total{port=\"" + port + "\",result=\"" + result + "\"} 1.0";
    }

    @Test
    void aDiscoverIsAnsweredWithTheOfferBytesAndLoggedAndCounted() {
        try (LogCapture logs = new LogCapture()) {
            DhcpDatagram offer = responder.respond(Captures.load("ipxe-bios-discover"), ProxyDhcpService.Port.DHCP, BR0,
                    CLIENT).orElseThrow();

            assertThat(offer.bytes()).isEqualTo(Captures.load("metis-offer-ipxe-bios"));
            assertThat(offer.destination()).isEqualTo(new InetSocketAddress("255.255.255.255", 68));
            assertThat(logs.text()).contains("dhcp OFFER " + MAC + " on br0: node vm-1: provision (IPXE), boot file "
                    + "'http://10.77.0.2:8080/boot.ipxe' to /255.255.255.255:68");
        }
        assertThat(metrics.scrape()).contains(counted("dhcp", "answered"));
    }

    @Test
    void garbageIsCountedAsMalformedAndNotAnswered() {
        assertThat(responder.respond(new byte[] {1, 2, 3}, ProxyDhcpService.Port.PXE, BR0, CLIENT)).isEmpty();
        assertThat(metrics.scrape()).contains(counted("pxe", "malformed"));
    }

    @Test
    void aKnownNodesRequestToTheSiteServerIsEvidenceForItsSeedAndNotAnswered() throws Exception {
        ResolvedNode node = inventory.node("vm-1").orElseThrow();
        InetAddress taken = InetAddress.getByName("10.77.0.146");
        try (LogCapture logs = new LogCapture()) {
            assertThat(responder.respond(Captures.dhcpRequest(MAC, "10.77.0.146"), ProxyDhcpService.Port.DHCP, BR0,
                    CLIENT)).isEmpty();

            assertThat(logs.text()).contains("dhcp REQUEST " + MAC + " on br0: node vm-1 takes 10.77.0.146 from the site's "
                    + "DHCP server");
        }
        assertThat(metrics.scrape()).contains(counted("dhcp", "ignored"));
        String token = seeds.issue(node, "ipxe", taken).token();
        assertThat(token).as("the script goes where the node was seen taking its address").isNotNull();

        assertThat(seeds.checkUserData(node, state.status("vm-1"), token, taken)).isEmpty();
        responder.respond(Captures.dhcpRequest(MAC, "10.77.0.147"), ProxyDhcpService.Port.DHCP, BR0, CLIENT);
        assertThat(state.status("vm-1").events()).as("another address claimed the MAC after user-data was fetched")
                .extracting(NodeEvent::event).containsExactly(NodeEvent.SEED_CONFLICT);
    }

    @Test
    void anUnknownMacIsRecordedAsDiscovered() throws Exception {
        inventory = inventory("52:54:00:77:00:99");

        responder.respond(Captures.load("ipxe-bios-discover"), ProxyDhcpService.Port.DHCP, BR0, CLIENT);

        assertThat(state.discovered()).extracting(DiscoveredMac::mac, DiscoveredMac::lastAddress)
                .containsExactly(tuple(MAC, "10.77.0.146"));
    }
}
