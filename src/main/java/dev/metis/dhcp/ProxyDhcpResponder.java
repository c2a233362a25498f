package dev.metis.dhcp;

import dev.metis.boot.SeedBindings;
import dev.metis.inventory.Inventory;
import dev.metis.metrics.AccessLog;
import dev.metis.metrics.MetisMetrics;
import dev.metis.served.ServedInventory;
import dev.metis.state.StateStore;
import java.net.InetSocketAddress;
import java.util.Optional;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Answers the datagrams the DHCP sockets receive: decodes them, asks {@link ProxyDhcpService}, records the
 * MACs and DHCP sightings it reports, writes the access log and counts, and encodes the answer.
 */
public final class ProxyDhcpResponder {

    private static final Logger LOG = LoggerFactory.getLogger(ProxyDhcpResponder.class);

    private final Supplier<Inventory> inventory;
    private final StateStore state;
    private final MetisMetrics metrics;
    private final SeedBindings seeds;
    private final ProxyDhcpService service;

    /** @param inventory the inventory being served, asked once per datagram (it may be reloaded) */
    public ProxyDhcpResponder(Supplier<Inventory> inventory, StateStore state, SeedBindings seeds, MetisMetrics metrics) {
        this.inventory = inventory;
        this.state = state;
        this.seeds = seeds;
        this.metrics = metrics;
        this.service = new ProxyDhcpService(state::status);
    }

    /** @return the answer to send, if any; called on the socket's event loop */
    public Optional<DhcpDatagram> respond(byte[] datagram, ProxyDhcpService.Port port, DhcpListener listener,
            InetSocketAddress source) {
        Optional<DhcpMessage> request = DhcpCodec.decode(datagram);
        if (request.isEmpty()) {
            metrics.dhcpRequest(port.label(), MetisMetrics.DhcpResult.MALFORMED);
            return Optional.empty();
        }
        ProxyDhcpService.Outcome outcome = service.answer(request.get(), port, listener.address(), source,
                inventory.get());
        outcome.discoveredMac().ifPresent(mac -> state.discoveredMac(mac, source.getAddress().getHostAddress()));
        outcome.addressSeen().ifPresent(seen -> {
            AccessLog.LOG.info("dhcp REQUEST {} on {}: {}", request.get().chaddr(), listener.interfaceName(), outcome.reason());
            if (seeds.dhcpSeen(seen.node(), seen.address())) {
                state.seedConflict(seen.node().name(), seen.address().toString());
            }
        });
        if (outcome.reply().isEmpty()) {
            metrics.dhcpRequest(port.label(), MetisMetrics.DhcpResult.IGNORED);
            LOG.debug("proxy-DHCP on {} from {}: {}", listener.interfaceName(), source, outcome.reason());
            return Optional.empty();
        }
        ProxyDhcpService.Reply reply = outcome.reply().get();
        metrics.dhcpRequest(port.label(), MetisMetrics.DhcpResult.ANSWERED);
        if (AccessLog.LOG.isInfoEnabled()) {
            AccessLog.LOG.info("dhcp {} {} on {}: {} ({}), boot file '{}' to {}", port == ProxyDhcpService.Port.DHCP ? "OFFER" : "ACK",
                    request.get().chaddr(), listener.interfaceName(), outcome.reason(), reply.firmware(),
                    reply.packet().file(), reply.destination());
        }
        return Optional.of(new DhcpDatagram(DhcpCodec.encode(reply.packet()), reply.destination()));
    }
}
