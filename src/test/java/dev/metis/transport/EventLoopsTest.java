package dev.metis.transport;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoopGroup;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class EventLoopsTest {

    private final EventLoopGroup group = EventLoops.group(1);

    @AfterEach
    void stop() {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    private InetSocketAddress boundFor(InetAddress peer) throws InterruptedException {
        Channel channel = new Bootstrap().group(group).channelFactory(EventLoops.datagramChannelFor(peer))
                .handler(new ChannelInboundHandlerAdapter()).bind(0).sync().channel();
        try {
            return (InetSocketAddress) channel.localAddress();
        } finally {
            channel.close().sync();
        }
    }

    @Test
    void anIpv4PeerGetsAnIpv4SocketNotADualStackOne() throws Exception {
        assertThat(boundFor(InetAddress.getByName("127.0.0.1")).getAddress()).isInstanceOf(Inet4Address.class);
    }

    @Test
    void anIpv6PeerGetsAnIpv6Socket() throws Exception {
        assertThat(boundFor(InetAddress.getByName("::1")).getAddress()).isInstanceOf(Inet6Address.class);
    }
}
