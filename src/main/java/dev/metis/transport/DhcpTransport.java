package dev.metis.transport;

import dev.metis.dhcp.DhcpDatagram;
import dev.metis.dhcp.DhcpListener;
import dev.metis.dhcp.ProxyDhcpService.Port;
import dev.metis.net.Ipv4;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.DatagramPacket;
import io.netty.channel.unix.RawUnixChannelOption;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The UDP edge of proxy-DHCP: one socket per interface and port, each bound to its device with
 * SO_BINDTODEVICE so that a broadcast answer leaves through the interface the request came in on
 * (Netty has no IP_PKTINFO). Needs Linux epoll.
 */
public final class DhcpTransport implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(DhcpTransport.class);
    private static final int SOL_SOCKET = 1;
    private static final int SO_BINDTODEVICE = 25;
    private static final int IFNAMSIZ = 16;

    /** Turns one datagram into at most one answer; called on the event loop. */
    public interface Handler {
        Optional<DhcpDatagram> handle(byte[] datagram, Port port, DhcpListener listener, InetSocketAddress source);
    }

    private final EventLoopGroup group;
    private final List<Channel> channels;

    private DhcpTransport(EventLoopGroup group, List<Channel> channels) {
        this.group = group;
        this.channels = channels;
    }

    /** The named interfaces, or every interface that is up, not loopback, and has IPv4. */
    public static List<DhcpListener> listeners(List<String> names) throws IOException {
        List<DhcpListener> listeners = new ArrayList<>();
        if (names.isEmpty()) {
            for (NetworkInterface nic : Collections.list(NetworkInterface.getNetworkInterfaces())) {
                if (nic.isUp() && !nic.isLoopback()) {
                    ipv4(nic).ifPresent(a -> listeners.add(new DhcpListener(nic.getName(), a)));
                }
            }
            if (listeners.isEmpty()) {
                throw new IOException("no interface that is up and has an IPv4 address to answer DHCP on");
            }
            return listeners;
        }
        for (String name : names) {
            NetworkInterface nic = NetworkInterface.getByName(name);
            if (nic == null) {
                throw new IOException("no network interface named '" + name + "'");
            }
            listeners.add(new DhcpListener(name, ipv4(nic).orElseThrow(() ->
                    new IOException("interface " + name + " has no IPv4 address"))));
        }
        return listeners;
    }

    private static Optional<Ipv4> ipv4(NetworkInterface nic) throws SocketException {
        return Collections.list(nic.getInetAddresses()).stream().filter(a -> a instanceof Inet4Address)
                .map(a -> Ipv4.of(a.getAddress())).findFirst();
    }

    public static DhcpTransport start(List<DhcpListener> listeners, int dhcpPort, int pxePort, Handler handler)
            throws IOException, InterruptedException {
        if (!EventLoops.nativeEpoll()) {
            throw new IOException("proxy-DHCP needs Linux epoll to bind sockets to interfaces; use --no-dhcp");
        }
        EventLoopGroup group = EventLoops.group(1);
        List<Channel> channels = new ArrayList<>();
        try {
            for (DhcpListener listener : listeners) {
                channels.add(bind(group, listener, Port.DHCP, dhcpPort, handler));
                channels.add(bind(group, listener, Port.PXE, pxePort, handler));
            }
        } catch (IOException | InterruptedException | RuntimeException e) {
            channels.forEach(Channel::close);
            group.shutdownGracefully();
            throw e;
        }
        return new DhcpTransport(group, channels);
    }

    private static Channel bind(EventLoopGroup group, DhcpListener listener, Port port, int number, Handler handler)
            throws IOException, InterruptedException {
        Bootstrap bootstrap = new Bootstrap().group(group).channel(EventLoops.datagramChannel())
                .option(ChannelOption.SO_BROADCAST, true)
                .option(ChannelOption.SO_REUSEADDR, true)
                .option(new RawUnixChannelOption("SO_BINDTODEVICE", SOL_SOCKET, SO_BINDTODEVICE, IFNAMSIZ),
                        deviceName(listener.interfaceName()))
                .handler(new Receiver(handler, listener, port));
        try {
            return bootstrap.bind(new InetSocketAddress(number)).sync().channel();
        } catch (Exception e) {
            // Bound to the wildcard address on the interface (SO_BINDTODEVICE): named by the interface's own address.
            throw BindFailure.of("proxy-DHCP on UDP port " + number + " of " + listener.interfaceName() + " ("
                    + listener.address() + ")", e,
                    "run as root or with CAP_NET_BIND_SERVICE, plus CAP_NET_RAW on Linux before 5.7",
                    "is another DHCP server running on this host? use --no-dhcp");
        }
    }

    private static ByteBuffer deviceName(String name) {
        byte[] bytes = name.getBytes(StandardCharsets.US_ASCII);
        if (bytes.length >= IFNAMSIZ) {
            throw new IllegalArgumentException("interface name too long: " + name);
        }
        ByteBuffer buffer = ByteBuffer.allocateDirect(IFNAMSIZ);
        buffer.put(bytes);
        buffer.position(0);
        return buffer;
    }

    @Override
    public void close() {
        channels.forEach(c -> c.close().syncUninterruptibly());
        group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
    }

    private static final class Receiver extends SimpleChannelInboundHandler<DatagramPacket> {
        private final Handler handler;
        private final DhcpListener listener;
        private final Port port;

        Receiver(Handler handler, DhcpListener listener, Port port) {
            this.handler = handler;
            this.listener = listener;
            this.port = port;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket packet) {
            handler.handle(ByteBufUtil.getBytes(packet.content()), port, listener, packet.sender())
                    .ifPresent(out -> ctx.writeAndFlush(new DatagramPacket(Unpooled.wrappedBuffer(out.bytes()),
                            out.destination())).addListener(f -> {
                                if (!f.isSuccess()) {
                                    LOG.warn("cannot send DHCP answer to {} on {}: {}", out.destination(),
                                            listener.interfaceName(), f.cause().toString());
                                }
                            }));
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            LOG.warn("DHCP socket on {}: {}", listener.interfaceName(), cause.toString());
        }
    }
}
