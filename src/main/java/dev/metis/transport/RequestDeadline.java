package dev.metis.transport;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Closes a connection whose request began to arrive but is not whole within the timeout, so that
 * requests sent slowly or half never hold a connection for long. Sits before the HTTP decoder and sees
 * the bytes: the first bytes after a request start the clock, {@link #received} stops it. Touched on the
 * connection's event loop only.
 */
final class RequestDeadline extends ChannelInboundHandlerAdapter {

    private final Duration timeout;
    private final Runnable onExpiry;
    private ChannelHandlerContext context;
    private ScheduledFuture<?> expiry;

    /** @param onExpiry told before the connection is closed for being too slow */
    RequestDeadline(Duration timeout, Runnable onExpiry) {
        this.timeout = timeout;
        this.onExpiry = onExpiry;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        context = ctx;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (expiry == null && msg instanceof ByteBuf bytes && bytes.isReadable()) {
            expiry = ctx.executor().schedule(this::expire, timeout.toNanos(), TimeUnit.NANOSECONDS);
        }
        ctx.fireChannelRead(msg);
    }

    /** A whole request arrived. */
    void received() {
        if (expiry != null) {
            expiry.cancel(false);
            expiry = null;
        }
    }

    private void expire() {
        expiry = null;
        onExpiry.run();
        context.close();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        received();
        ctx.fireChannelInactive();
    }
}
