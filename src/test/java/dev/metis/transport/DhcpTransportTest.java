package dev.metis.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.metis.dhcp.DhcpDatagram;
import dev.metis.dhcp.DhcpListener;
import dev.metis.dhcp.ProxyDhcpService;
import dev.metis.net.Ipv4;
import dev.metis.testing.ServerFixture;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The UDP edge on loopback: per-device sockets, answers to the sender, and clear bind errors. */
class DhcpTransportTest {

    @BeforeEach
    void needsRoot() {
        // SO_BINDTODEVICE needs CAP_NET_RAW before Linux 5.7; CI and these machines run tests as root.
        Assumptions.assumeTrue("root".equals(System.getProperty("user.name")), "SO_BINDTODEVICE needs root");
    }

    @Test
    void aDatagramOnThePxePortIsAnsweredToItsSender() throws Exception {
        int dhcpPort = ServerFixture.freePort();
        int pxePort = ServerFixture.freePort();
        List<DhcpListener> lo = List.of(new DhcpListener("lo", Ipv4.parse("127.0.0.1")));
        DhcpTransport.Handler echo = (datagram, port, listener, source) -> port == ProxyDhcpService.Port.PXE
                ? Optional.of(new DhcpDatagram(("ack:" + new String(datagram) + "@" + listener.address()).getBytes(), source))
                : Optional.empty();
        try (DhcpTransport transport = DhcpTransport.start(lo, dhcpPort, pxePort, echo);
                DatagramSocket client = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
            client.setSoTimeout(5000);
            client.send(new DatagramPacket("hello".getBytes(), 5, InetAddress.getLoopbackAddress(), pxePort));
            DatagramPacket answer = new DatagramPacket(new byte[100], 100);
            client.receive(answer);
            assertThat(new String(answer.getData(), 0, answer.getLength())).isEqualTo("ack:hello@127.0.0.1");
            assertThat(answer.getPort()).isEqualTo(pxePort);
        }
    }

    @Test
    void aPortHeldByAnotherServerIsAClearError() throws Exception {
        try (DatagramSocket other = new DatagramSocket(new InetSocketAddress("0.0.0.0", 0))) {
            List<DhcpListener> lo = List.of(new DhcpListener("lo", Ipv4.parse("127.0.0.1")));
            assertThatThrownBy(() -> DhcpTransport.start(lo, other.getLocalPort(), ServerFixture.freePort(),
                    (d, p, l, s) -> Optional.empty()))
                    .hasMessageContaining("cannot listen for proxy-DHCP on UDP port " + other.getLocalPort()
                            + " of lo (127.0.0.1): ")
                    .hasMessageContaining("another DHCP server");
        }
    }

    @Test
    void unknownInterfacesAreNamed() {
        assertThatThrownBy(() -> DhcpTransport.listeners(List.of("nosuch0"))).hasMessage("no network interface named 'nosuch0'");
    }
}
