package dev.metis.serve;

import dev.metis.boot.SeedBindings;
import dev.metis.dhcp.DhcpCodec;
import dev.metis.dhcp.DhcpMessage;
import dev.metis.dhcp.ProxyDhcpService;
import dev.metis.metrics.MetisMetrics;
import dev.metis.served.ServedInventory;
import dev.metis.state.StateStore;
import dev.metis.transport.DhcpTransport;
import java.net.InetSocketAddress;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Connects the DHCP sockets to the codec and the decision service, and records what happened. */
final class ProxyDhcpResponder implements DhcpTransport.Handler {

    private static final Logger ACCESS = LoggerFactory.getLogger("metis.access");
    private static final Logger LOG = LoggerFactory.getLogger(ProxyDhcpResponder.class);

    private final ServedInventory inventory;
    private final StateStore state;
    private final MetisMetrics metrics;
    private final SeedBindings seeds;
    private final ProxyDhcpService service;

    ProxyDhcpResponder(ServedInventory inventory, StateStore state, SeedBindings seeds, MetisMetrics metrics) {
        this.inventory = inventory;
        this.state = state;
        this.seeds = seeds;
        this.metrics = metrics;
        this.service = new ProxyDhcpService(state::status);
    }

    @Override
    public Optional<DhcpTransport.Outgoing> handle(byte[] datagram, ProxyDhcpService.Port port,
            DhcpTransport.Listener listener, InetSocketAddress source) {
        Optional<DhcpMessage> request = DhcpCodec.decode(datagram);
        if (request.isEmpty()) {
            metrics.dhcpRequest(port.label(), MetisMetrics.DhcpResult.MALFORMED);
            return Optional.empty();
        }
        ProxyDhcpService.Outcome outcome = service.answer(request.get(), port, listener.address(), source,
                inventory.current().inventory());
        outcome.discoveredMac().ifPresent(mac -> state.discoveredMac(mac, source.getAddress().getHostAddress()));
        outcome.addressSeen().ifPresent(seen -> {
            ACCESS.info("dhcp REQUEST {} on {}: {}", request.get().chaddr(), listener.interfaceName(), outcome.reason());
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
        if (ACCESS.isInfoEnabled()) {
            ACCESS.info("dhcp {} {} on {}: {} ({}), boot file '{}' to {}", port == ProxyDhcpService.Port.DHCP ? "OFFER" : "ACK",
                    request.get().chaddr(), listener.interfaceName(), outcome.reason(), reply.firmware(),
                    reply.packet().file(), reply.destination());
        }
        return Optional.of(new DhcpTransport.Outgoing(DhcpCodec.encode(reply.packet()), reply.destination()));
    }
}
