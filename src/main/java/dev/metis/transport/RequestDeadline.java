package dev.metis.transport;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.FullHttpRequest;
import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Closes a connection whose request began to arrive but is not whole within the timeout, so that
 * requests sent slowly or half never hold a connection for long. It watches two places of the pipeline:
 * bytes before the HTTP decoder start the clock ({@link #bytes}), a request made whole after the
 * aggregator stops it ({@link #requests}), whether or not the server is ready to answer it yet. Touched on
 * the connection's event loop only.
 */
final class RequestDeadline {

    private final Duration timeout;
    private final Runnable onExpiry;
    private ScheduledFuture<?> expiry;

    /** @param onExpiry told before the connection is closed for being too slow */
    RequestDeadline(Duration timeout, Runnable onExpiry) {
        this.timeout = timeout;
        this.onExpiry = onExpiry;
    }

    /** Goes before the HTTP decoder (after TLS): bytes with no clock running start it. */
    final class Bytes extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (expiry == null && msg instanceof ByteBuf bytes && bytes.isReadable()) {
                expiry = ctx.executor().schedule(() -> {
                    expiry = null;
                    onExpiry.run();
                    ctx.close();
                }, timeout.toNanos(), TimeUnit.NANOSECONDS);
            }
            ctx.fireChannelRead(msg);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            stop();
            ctx.fireChannelInactive();
        }
    }

    /** Goes after the aggregator: a whole request stops the clock. */
    final class Requests extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof FullHttpRequest) {
                stop();
            }
            ctx.fireChannelRead(msg);
        }
    }

    Bytes bytes() {
        return new Bytes();
    }

    Requests requests() {
        return new Requests();
    }

    private void stop() {
        if (expiry != null) {
            expiry.cancel(false);
            expiry = null;
        }
    }
}
