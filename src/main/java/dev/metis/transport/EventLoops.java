package dev.metis.transport;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.ChannelFactory;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.SelectStrategyFactory;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.epoll.EpollMode;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.InternetProtocolFamily;
import io.netty.channel.socket.ServerSocketChannel;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.nio.channels.spi.SelectorProvider;
import java.util.concurrent.Executor;
import java.util.function.BooleanSupplier;

/** Native epoll on Linux (sendfile, SO_BINDTODEVICE), NIO elsewhere. */
public final class EventLoops {

    private EventLoops() {
    }

    public static boolean nativeEpoll() {
        return Epoll.isAvailable();
    }

    public static EventLoopGroup group(int threads) {
        return nativeEpoll() ? new EpollEventLoopGroup(threads) : new NioEventLoopGroup(threads);
    }

    /**
     * Loops that, while {@code engaged}, wait by polling briefly or by sleeping, whichever they measure to be
     * quicker: see {@link SpinningSelectStrategy}.
     */
    public static EventLoopGroup spinningGroup(int threads, long spinNanos, BooleanSupplier engaged) {
        SelectStrategyFactory strategies = () -> new SpinningSelectStrategy(spinNanos, engaged);
        return nativeEpoll() ? new EpollEventLoopGroup(threads, strategies)
                : new NioEventLoopGroup(threads, (Executor) null, SelectorProvider.provider(), strategies);
    }

    /**
     * For a socket that expects one datagram at a time (a TFTP transfer's ACKs): read one per readiness
     * event instead of reading until the socket is empty, which costs a failed read per packet.
     */
    public static Bootstrap oneReadPerEvent(Bootstrap bootstrap) {
        bootstrap.option(ChannelOption.RCVBUF_ALLOCATOR, new FixedRecvByteBufAllocator(2048).maxMessagesPerRead(1));
        return nativeEpoll() ? bootstrap.option(EpollChannelOption.EPOLL_MODE, EpollMode.LEVEL_TRIGGERED) : bootstrap;
    }

    public static Class<? extends ServerSocketChannel> serverChannel() {
        return nativeEpoll() ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
    }

    public static Class<? extends DatagramChannel> datagramChannel() {
        return nativeEpoll() ? EpollDatagramChannel.class : NioDatagramChannel.class;
    }

    /**
     * Sockets of the peer's own address family. Linux sends from a dual-stack (IPv6) socket to an IPv4
     * peer as if unconnected, looking the route up for every packet even when the socket is connected.
     */
    public static ChannelFactory<DatagramChannel> datagramChannelFor(InetAddress peer) {
        InternetProtocolFamily family = peer instanceof Inet4Address ? InternetProtocolFamily.IPv4 : InternetProtocolFamily.IPv6;
        return nativeEpoll() ? () -> new EpollDatagramChannel(family) : () -> new NioDatagramChannel(family);
    }
}
