package dev.metis.fuzz;

import dev.metis.dhcp.DhcpCodec;
import dev.metis.dhcp.DhcpMessage;
import dev.metis.dhcp.ProxyDhcpService;
import dev.metis.inventory.Inventory;
import dev.metis.net.Ipv4;
import dev.metis.state.NodeStatus;
import java.net.InetSocketAddress;
import java.util.Optional;

/**
 * Any datagram on 67 or 4011: the codec decodes it or says it is malformed, and the proxy-DHCP service
 * decides on whatever decodes, on both ports, without throwing. An encoded reply must decode again.
 */
public final class DhcpFuzzer {

    private static final Inventory INVENTORY = Fixtures.exampleInventory();
    private static final ProxyDhcpService SERVICE = new ProxyDhcpService(node -> NodeStatus.NEW);
    private static final Ipv4 SERVER = Ipv4.parse("10.20.0.2");
    private static final InetSocketAddress CLIENT = new InetSocketAddress("10.20.0.150", 68);

    private DhcpFuzzer() {
    }

    public static void fuzzerTestOneInput(byte[] datagram) {
        Optional<DhcpMessage> message = DhcpCodec.decode(datagram);
        if (message.isEmpty()) {
            return;
        }
        for (ProxyDhcpService.Port port : ProxyDhcpService.Port.values()) {
            SERVICE.answer(message.get(), port, SERVER, CLIENT, INVENTORY).reply().ifPresent(reply -> {
                if (DhcpCodec.decode(DhcpCodec.encode(reply.packet())).isEmpty()) {
                    throw new IllegalStateException("a reply Metis encoded does not decode");
                }
            });
        }
    }
}
