package dev.metis.transport;

import dev.metis.http.HttpLimits;
import dev.metis.http.HttpRequest;
import dev.metis.http.HttpResponse;
import dev.metis.http.HttpResponder;
import dev.metis.http.HttpRouter;
import dev.metis.http.TlsFiles;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.DefaultFileRegion;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerExpectContinueHandler;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.HttpChunkedInput;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.flow.FlowControlHandler;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.handler.stream.ChunkedFile;
import io.netty.handler.stream.ChunkedWriteHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP edge: Netty decodes requests, hands them to an {@link HttpResponder}, and writes its answers,
 * files by zero-copy {@link DefaultFileRegion} (in chunks through TLS, which has to encrypt them).
 * Request lines and headers are bounded in size; a connection's next request is read only once its
 * earlier answers are moving (see {@link HttpLimits}). Serves one or more listeners, plain or TLS, on one set
 * of threads.
 */
public final class HttpTransport implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(HttpTransport.class);
    static final int MAX_INITIAL_LINE = 4096;
    static final int MAX_HEADER_BYTES = 8192;
    static final int MAX_BODY_BYTES = 64 * 1024;
    /** Files through TLS go in chunks of this size, about one TLS record each. */
    private static final int TLS_CHUNK_BYTES = 16 * 1024;

    /** Threads for answers that may wait on the secret source; also bounds how many Vault reads run at once. */
    static final int WAITING_THREADS = 16;

    /**
     * Answers one connection may have in hand (being worked on or not yet sent) before the server reads
     * its next request: a client that pipelines requests and reads no answers holds this many at most.
     */
    static final int MAX_QUEUED_ANSWERS = 16;

    /** A socket to listen on; with {@code tls}, it speaks HTTPS. */
    public record Listener(InetSocketAddress address, Optional<TlsFiles> tls) {
    }

    private final List<Channel> channels;
    private final EventLoopGroup boss;
    private final EventLoopGroup workers;
    private final ExecutorService waiting;

    private HttpTransport(List<Channel> channels, EventLoopGroup boss, EventLoopGroup workers, ExecutorService waiting) {
        this.channels = channels;
        this.boss = boss;
        this.workers = workers;
        this.waiting = waiting;
    }

    /** @throws IOException when a certificate or key cannot be used */
    public static HttpTransport start(List<Listener> listeners, HttpResponder responder, HttpLimits limits)
            throws InterruptedException, IOException {
        List<Optional<SslContext>> contexts = new ArrayList<>();
        for (Listener listener : listeners) {
            contexts.add(listener.tls().isEmpty() ? Optional.empty() : Optional.of(serverContext(listener.tls().get())));
        }
        EventLoopGroup boss = EventLoops.group(1);
        EventLoopGroup workers = EventLoops.group(0);
        ExecutorService waiting = Executors.newFixedThreadPool(WAITING_THREADS,
                new DefaultThreadFactory("metis-http-wait", true));
        ClientConnections clients = new ClientConnections(limits.connectionsPerClient());
        List<Channel> channels = new ArrayList<>();
        try {
            for (int i = 0; i < listeners.size(); i++) {
                Optional<SslContext> tls = contexts.get(i);
                ServerBootstrap bootstrap = new ServerBootstrap().group(boss, workers).channel(EventLoops.serverChannel())
                        .option(ChannelOption.SO_BACKLOG, 1024)
                        .childOption(ChannelOption.TCP_NODELAY, true)
                        // The handler asks for each request when it is ready for it (backpressure).
                        .childOption(ChannelOption.AUTO_READ, false)
                        .childHandler(new ChannelInitializer<SocketChannel>() {
                            @Override
                            protected void initChannel(SocketChannel ch) {
                                if (!clients.admit(ch)) {
                                    responder.refusedOverClientLimit();
                                    ch.close();
                                    return;
                                }
                                tls.ifPresent(context -> {
                                    SslHandler handler = context.newHandler(ch.alloc());
                                    handler.setHandshakeTimeout(limits.requestTimeout().toMillis(), TimeUnit.MILLISECONDS);
                                    ch.pipeline().addLast("tls", handler);
                                });
                                RequestDeadline deadline = new RequestDeadline(limits.requestTimeout(),
                                        responder::requestTimedOut);
                                ch.pipeline()
                                        .addLast("request-started", deadline.bytes())
                                        // Output observed: answers that make no progress count as idle.
                                        .addLast("idle", new IdleStateHandler(true, 0, 0,
                                                limits.idleTimeout().toMillis(), TimeUnit.MILLISECONDS))
                                        .addLast("codec", new HttpServerCodec(MAX_INITIAL_LINE, MAX_HEADER_BYTES, 8192))
                                        .addLast("continue", new HttpServerExpectContinueHandler())
                                        .addLast("aggregate", new HttpObjectAggregator(MAX_BODY_BYTES))
                                        .addLast("request-whole", deadline.requests())
                                        // One request per read(): requests pipelined in one segment wait here, decoded.
                                        .addLast("flow", new FlowControlHandler());
                                if (tls.isPresent()) {
                                    ch.pipeline().addLast("chunks", new ChunkedWriteHandler());
                                }
                                ch.pipeline().addLast("routes", new Handler(responder, waiting, tls.isPresent()));
                            }
                        });
                channels.add(bind(bootstrap, listeners.get(i)));
            }
            return new HttpTransport(channels, boss, workers, waiting);
        } catch (IOException | RuntimeException | InterruptedException e) {
            channels.forEach(Channel::close);
            boss.shutdownGracefully();
            workers.shutdownGracefully();
            waiting.shutdownNow();
            throw e;
        }
    }

    private static Channel bind(ServerBootstrap bootstrap, Listener listener) throws IOException, InterruptedException {
        try {
            return bootstrap.bind(listener.address()).sync().channel();
        } catch (InterruptedException e) {
            throw e;
        } catch (Exception e) {
            // sync() rethrows the bind's IOException undeclared
            boolean https = listener.tls().isPresent();
            throw BindFailure.of((https ? "HTTPS" : "HTTP") + " on TCP " + BindFailure.at(listener.address()), e,
                    "ports below 1024 need root or CAP_NET_BIND_SERVICE",
                    "another program listens there: stop it, or choose another --http-addr or "
                            + (https ? "--https-port" : "--http-port"));
        }
    }

    /**
     * Netty's JDK provider takes PKCS#8 keys only; other PEM forms would fail with a message that does not
     * say what to do, so they are named here with the conversion.
     */
    private static SslContext serverContext(TlsFiles tls) throws IOException {
        String key;
        try {
            key = Files.readString(tls.key(), StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new IOException("TLS key " + tls.key() + ": " + e.getMessage(), e);
        }
        if (!key.contains("-----BEGIN PRIVATE KEY-----")) {
            throw new IOException("TLS key " + tls.key() + " is not an unencrypted PKCS#8 PEM key (BEGIN PRIVATE KEY); "
                    + "convert it with: openssl pkcs8 -topk8 -nocrypt -in " + tls.key() + " -out key.pem");
        }
        try {
            return SslContextBuilder.forServer(tls.certificate().toFile(), tls.key().toFile()).build();
        } catch (IOException | IllegalArgumentException e) {
            throw new IOException("TLS certificate " + tls.certificate() + " with key " + tls.key() + ": "
                    + e.getMessage(), e);
        }
    }

    /** Where each listener is bound, in the order given to {@link #start}. */
    public List<InetSocketAddress> localAddresses() {
        return channels.stream().map(c -> (InetSocketAddress) c.localAddress()).toList();
    }

    @Override
    public void close() {
        channels.forEach(c -> c.close().syncUninterruptibly());
        boss.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        workers.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        waiting.shutdownNow();
    }

    private static final class Handler extends SimpleChannelInboundHandler<FullHttpRequest> {
        private final HttpResponder responder;
        private final Executor waiting;
        private final boolean secure;
        // The rest is touched on the connection's event loop only.
        /** Done when every earlier answer on this connection is written. */
        private CompletableFuture<Void> previous = CompletableFuture.completedFuture(null);
        /** Requests read whose answers are not yet sent whole. */
        private int queued;
        /** A read() is asked for and no request has come of it yet. */
        private boolean reading;
        /** The client asked to close after its last request: nothing more is read. */
        private boolean lastRequest;

        Handler(HttpResponder responder, Executor waiting, boolean secure) {
            this.responder = responder;
            this.waiting = waiting;
            this.secure = secure;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            readMore(ctx);
            ctx.fireChannelActive();
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            readMore(ctx);
            ctx.fireChannelWritabilityChanged();
        }

        /**
         * Reads the next request unless the client's answers pile up (too many in hand, or more bytes
         * waiting to be sent than the write buffer's high-water mark): a client that does not read its
         * answers stops being read, and holds no more of the server's memory or files.
         */
        private void readMore(ChannelHandlerContext ctx) {
            if (!reading && !lastRequest && queued < MAX_QUEUED_ANSWERS && ctx.channel().isWritable()) {
                reading = true;
                ctx.read();
            }
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
            if (!(event instanceof IdleStateEvent)) {
                ctx.fireUserEventTriggered(event);
            } else if (previous.isDone()) { // an answer waiting for Vault is not the client's idleness
                responder.idleClosed(queued > 0);
                ctx.close();
            }
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
            reading = false;
            queued++;
            try {
                answer(ctx, request);
            } finally {
                readMore(ctx);
            }
        }

        private void answer(ChannelHandlerContext ctx, FullHttpRequest request) {
            long started = System.nanoTime();
            InetSocketAddress remote = (InetSocketAddress) ctx.channel().remoteAddress();
            String method = request.method().name();
            Supplier<HttpResponse> answer;
            boolean mayWait;
            boolean keepAlive;
            Supplier<String> loggableUri;
            if (request.decoderResult().isFailure()) {
                Throwable cause = request.decoderResult().cause();
                HttpResponse bad = responder.unreadable(cause instanceof TooLongFrameException);
                answer = () -> bad;
                mayWait = false;
                keepAlive = false;
                loggableUri = () -> "-";
            } else {
                String uri = request.uri();
                keepAlive = HttpUtil.isKeepAlive(request);
                Map<String, String> headers = new LinkedHashMap<>();
                request.headers().forEach(h -> headers.put(h.getKey().toLowerCase(Locale.ROOT), h.getValue()));
                int query = uri.indexOf('?');
                String path = query >= 0 ? uri.substring(0, query) : uri;
                if (!path.startsWith("/")) {
                    path = "/" + path; // absolute-form request targets carry no path we serve
                }
                HttpRequest decoded = new HttpRequest(method, path, headers, ByteBufUtil.getBytes(request.content()),
                        remote.getAddress(), secure);
                HttpRouter.Dispatch dispatch = responder.dispatch(decoded);
                answer = dispatch::answer;
                mayWait = dispatch.mayWait();
                loggableUri = () -> dispatch.loggable(uri);
            }
            lastRequest = !keepAlive;
            if (previous.isDone() && !mayWait) {
                finish(ctx, answer.get(), keepAlive, remote, method, loggableUri, started);
                return;
            }
            // Behind an answer still being worked on, or itself waiting: chained, so that answers on
            // this connection keep the order of its requests (HTTP/1.1 pipelining).
            previous = previous.thenApplyAsync(ignored -> answer.get(), mayWait ? waiting : ctx.executor())
                    .handleAsync((response, failure) -> {
                        if (failure != null) {
                            exceptionCaught(ctx, failure);
                        } else {
                            finish(ctx, response, keepAlive, remote, method, loggableUri, started);
                        }
                        return null;
                    }, ctx.executor());
        }

        private void finish(ChannelHandlerContext ctx, HttpResponse response, boolean keepAlive, InetSocketAddress remote,
                String method, Supplier<String> loggableUri, long started) {
            write(ctx, response, keepAlive);
            responder.answered(remote.getAddress(), method, loggableUri, response, System.nanoTime() - started);
        }

        private void write(ChannelHandlerContext ctx, HttpResponse response, boolean keepAlive) {
            HttpResponseStatus status = HttpResponseStatus.valueOf(response.status());
            ChannelFuture last;
            if (response.file() == null || response.headOnly()) {
                byte[] body = response.headOnly() || response.body() == null ? new byte[0] : response.body();
                FullHttpResponse full = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, Unpooled.wrappedBuffer(body));
                headers(full, response, keepAlive);
                last = ctx.writeAndFlush(full);
            } else if (secure) {
                ChunkedFile chunks;
                try {
                    chunks = chunks(response);
                } catch (IOException e) {
                    LOG.warn("cannot open {}: {}", response.file(), e.toString());
                    FullHttpResponse error = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                            HttpResponseStatus.INTERNAL_SERVER_ERROR, Unpooled.EMPTY_BUFFER);
                    headers(error, HttpResponse.bytes(response.route(), 500, "text/plain", new byte[0]), false);
                    ctx.writeAndFlush(error).addListener(ChannelFutureListener.CLOSE);
                    return;
                }
                ctx.write(fileHead(status, response, keepAlive));
                last = ctx.writeAndFlush(new HttpChunkedInput(chunks));
            } else {
                ctx.write(fileHead(status, response, keepAlive));
                // Opened when its turn to be sent comes and closed once sent, so answers queued behind a
                // slow reader hold no file open.
                ctx.write(new DefaultFileRegion(response.file().toFile(), response.offset(), response.length()));
                last = ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
            }
            last.addListener(sent -> {
                queued--;
                readMore(ctx);
            });
            if (!keepAlive) {
                last.addListener(ChannelFutureListener.CLOSE);
            }
        }

        private static DefaultHttpResponse fileHead(HttpResponseStatus status, HttpResponse response, boolean keepAlive) {
            DefaultHttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, status);
            headers(head, response, keepAlive);
            return head;
        }

        private static ChunkedFile chunks(HttpResponse response) throws IOException {
            RandomAccessFile file = new RandomAccessFile(response.file().toFile(), "r");
            try {
                return new ChunkedFile(file, response.offset(), response.length(), TLS_CHUNK_BYTES);
            } catch (IOException | RuntimeException e) {
                file.close();
                throw e;
            }
        }

        private static void headers(io.netty.handler.codec.http.HttpResponse out, HttpResponse response, boolean keepAlive) {
            out.headers().set(HttpHeaderNames.CONTENT_TYPE, response.contentType());
            out.headers().set(HttpHeaderNames.CONTENT_LENGTH, response.length());
            out.headers().set(HttpHeaderNames.SERVER, "metis");
            response.headers().forEach((name, value) -> out.headers().set(name, value));
            if (keepAlive) {
                out.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
            } else {
                out.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            LOG.debug("connection from {} failed: {}", ctx.channel().remoteAddress(), cause.toString());
            ctx.close();
        }
    }
}
