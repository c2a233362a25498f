package dev.metis.transport;

import dev.metis.http.HttpRequest;
import dev.metis.http.HttpResponse;
import dev.metis.http.HttpService;
import dev.metis.metrics.MetisMetrics;
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
import io.netty.handler.stream.ChunkedFile;
import io.netty.handler.stream.ChunkedWriteHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
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
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP edge: Netty decodes requests, hands them to {@link HttpService}, and writes its answers,
 * files by zero-copy {@link DefaultFileRegion} (in chunks through TLS, which has to encrypt them).
 * Request lines and headers are bounded in size. Serves one or more listeners, plain or TLS, on one set
 * of threads.
 */
public final class HttpTransport implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(HttpTransport.class);
    private static final Logger ACCESS = LoggerFactory.getLogger("metis.access");
    static final int MAX_INITIAL_LINE = 4096;
    static final int MAX_HEADER_BYTES = 8192;
    static final int MAX_BODY_BYTES = 64 * 1024;
    /** Files through TLS go in chunks of this size, about one TLS record each. */
    private static final int TLS_CHUNK_BYTES = 16 * 1024;

    /** Threads for answers that may wait on the secret source; also bounds how many Vault reads run at once. */
    static final int WAITING_THREADS = 16;

    /** A socket to listen on; with {@code tls}, it speaks HTTPS. */
    public record Listener(InetSocketAddress address, Optional<Tls> tls) {
    }

    /**
     * A PEM certificate (chain) and its private key, which must be unencrypted PKCS#8
     * ({@code BEGIN PRIVATE KEY}): the JDK reads no other form without BouncyCastle.
     */
    public record Tls(Path certificate, Path key) {
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
    public static HttpTransport start(List<Listener> listeners, HttpService service, MetisMetrics metrics)
            throws InterruptedException, IOException {
        List<Optional<SslContext>> contexts = new ArrayList<>();
        for (Listener listener : listeners) {
            contexts.add(listener.tls().isEmpty() ? Optional.empty() : Optional.of(serverContext(listener.tls().get())));
        }
        EventLoopGroup boss = EventLoops.group(1);
        EventLoopGroup workers = EventLoops.group(0);
        ExecutorService waiting = Executors.newFixedThreadPool(WAITING_THREADS,
                new DefaultThreadFactory("metis-http-wait", true));
        HttpService.MetricsView view = new HttpService.MetricsView() {
            @Override
            public String scrape() {
                return metrics.scrape();
            }

            @Override
            public String contentType() {
                return metrics.scrapeContentType();
            }
        };
        List<Channel> channels = new ArrayList<>();
        try {
            for (int i = 0; i < listeners.size(); i++) {
                Optional<SslContext> tls = contexts.get(i);
                ServerBootstrap bootstrap = new ServerBootstrap().group(boss, workers).channel(EventLoops.serverChannel())
                        .option(ChannelOption.SO_BACKLOG, 1024)
                        .childOption(ChannelOption.TCP_NODELAY, true)
                        .childHandler(new ChannelInitializer<SocketChannel>() {
                            @Override
                            protected void initChannel(SocketChannel ch) {
                                tls.ifPresent(context -> ch.pipeline().addLast("tls", context.newHandler(ch.alloc())));
                                ch.pipeline()
                                        .addLast("codec", new HttpServerCodec(MAX_INITIAL_LINE, MAX_HEADER_BYTES, 8192))
                                        .addLast("continue", new HttpServerExpectContinueHandler())
                                        .addLast("aggregate", new HttpObjectAggregator(MAX_BODY_BYTES));
                                if (tls.isPresent()) {
                                    ch.pipeline().addLast("chunks", new ChunkedWriteHandler());
                                }
                                ch.pipeline().addLast("routes", new Handler(service, metrics, view, waiting, tls.isPresent()));
                            }
                        });
                channels.add(bootstrap.bind(listeners.get(i).address()).sync().channel());
            }
            return new HttpTransport(channels, boss, workers, waiting);
        } catch (RuntimeException | InterruptedException e) {
            channels.forEach(Channel::close);
            boss.shutdownGracefully();
            workers.shutdownGracefully();
            waiting.shutdownNow();
            throw e;
        }
    }

    /**
     * Netty's JDK provider takes PKCS#8 keys only; other PEM forms would fail with a message that does not
     * say what to do, so they are named here with the conversion.
     */
    private static SslContext serverContext(Tls tls) throws IOException {
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
        boss.shutdownGracefully(0, 2, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
        workers.shutdownGracefully(0, 2, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
        waiting.shutdownNow();
    }

    private static final class Handler extends SimpleChannelInboundHandler<FullHttpRequest> {
        private final HttpService service;
        private final MetisMetrics metrics;
        private final HttpService.MetricsView view;
        private final Executor waiting;
        private final boolean secure;
        /** Done when every earlier answer on this connection is written; touched on its event loop only. */
        private CompletableFuture<Void> previous = CompletableFuture.completedFuture(null);

        Handler(HttpService service, MetisMetrics metrics, HttpService.MetricsView view, Executor waiting,
                boolean secure) {
            this.service = service;
            this.metrics = metrics;
            this.view = view;
            this.waiting = waiting;
            this.secure = secure;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
            long started = System.nanoTime();
            InetSocketAddress remote = (InetSocketAddress) ctx.channel().remoteAddress();
            String method = request.method().name();
            Supplier<HttpResponse> answer;
            boolean mayWait;
            boolean keepAlive;
            String uri;
            if (request.decoderResult().isFailure()) {
                Throwable cause = request.decoderResult().cause();
                boolean tooLong = cause instanceof TooLongFrameException;
                HttpResponse bad = HttpResponse.text("bad-request", tooLong ? 431 : 400, "application/json",
                        "{\"error\":\"" + (tooLong ? "request line or headers too large" : "malformed request")
                                + "\",\"status\":" + (tooLong ? 431 : 400) + "}");
                answer = () -> bad;
                mayWait = false;
                keepAlive = false;
                uri = "-";
            } else {
                uri = request.uri();
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
                answer = () -> service.handle(decoded, view);
                mayWait = HttpService.mayWait(decoded);
            }
            if (previous.isDone() && !mayWait) {
                finish(ctx, answer.get(), keepAlive, remote, method, uri, started);
                return;
            }
            // Behind an answer still being worked on, or itself waiting: chained, so that answers on
            // this connection keep the order of its requests (HTTP/1.1 pipelining).
            previous = previous.thenApplyAsync(ignored -> answer.get(), mayWait ? waiting : ctx.executor())
                    .handleAsync((response, failure) -> {
                        if (failure != null) {
                            exceptionCaught(ctx, failure);
                        } else {
                            finish(ctx, response, keepAlive, remote, method, uri, started);
                        }
                        return null;
                    }, ctx.executor());
        }

        private void finish(ChannelHandlerContext ctx, HttpResponse response, boolean keepAlive, InetSocketAddress remote,
                String method, String uri, long started) {
            write(ctx, response, keepAlive);
            metrics.httpRequest(response.route(), response.status(), response.sentBytes());
            if (ACCESS.isInfoEnabled()) {
                ACCESS.info("{} \"{} {}\" {} {} {}ms", remote.getAddress().getHostAddress(), method,
                        printable(HttpService.loggable(uri)), response.status(), response.sentBytes(),
                        (System.nanoTime() - started) / 1_000_000);
            }
        }

        private void write(ChannelHandlerContext ctx, HttpResponse response, boolean keepAlive) {
            HttpResponseStatus status = HttpResponseStatus.valueOf(response.status());
            ChannelFuture last;
            if (response.file() == null || response.headOnly()) {
                byte[] body = response.headOnly() || response.body() == null ? new byte[0] : response.body();
                FullHttpResponse full = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, Unpooled.wrappedBuffer(body));
                headers(full, response, keepAlive);
                last = ctx.writeAndFlush(full);
            } else {
                RandomAccessFile raf;
                try {
                    raf = new RandomAccessFile(response.file().toFile(), "r");
                } catch (IOException e) {
                    LOG.warn("cannot open {}: {}", response.file(), e.toString());
                    FullHttpResponse error = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                            HttpResponseStatus.INTERNAL_SERVER_ERROR, Unpooled.EMPTY_BUFFER);
                    headers(error, HttpResponse.bytes(response.route(), 500, "text/plain", new byte[0]), false);
                    ctx.writeAndFlush(error).addListener(ChannelFutureListener.CLOSE);
                    return;
                }
                DefaultHttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, status);
                headers(head, response, keepAlive);
                ctx.write(head);
                if (secure) {
                    try {
                        last = ctx.writeAndFlush(new HttpChunkedInput(
                                new ChunkedFile(raf, response.offset(), response.length(), TLS_CHUNK_BYTES)));
                    } catch (IOException e) {
                        LOG.warn("cannot read {}: {}", response.file(), e.toString());
                        ctx.close();
                        return;
                    }
                } else {
                    ctx.write(new DefaultFileRegion(raf.getChannel(), response.offset(), response.length()));
                    last = ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
                }
            }
            if (!keepAlive) {
                last.addListener(ChannelFutureListener.CLOSE);
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

        /** Request paths come from anyone on the network: keep log lines single and short. */
        private static String printable(String uri) {
            String clipped = uri.length() > 200 ? uri.substring(0, 200) + "..." : uri;
            return clipped.replaceAll("[\\p{Cntrl}\"]", "?");
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            LOG.debug("connection from {} failed: {}", ctx.channel().remoteAddress(), cause.toString());
            ctx.close();
        }
    }
}
