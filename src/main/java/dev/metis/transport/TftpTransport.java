package dev.metis.transport;

import dev.metis.tftp.TftpCodec;
import dev.metis.tftp.TftpLimits;
import dev.metis.tftp.TftpObserver;
import dev.metis.tftp.TftpPacket;
import dev.metis.tftp.TftpService;
import dev.metis.tftp.TftpTransfer;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.DatagramPacket;
import io.netty.util.concurrent.ScheduledFuture;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.InterfaceAddress;
import java.net.NetworkInterface;
import java.nio.ByteBuffer;
import java.util.Collections;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The UDP edge of TFTP: requests arrive on one port; each transfer gets its own ephemeral socket,
 * connected to the client (its TID), driven by a {@link TftpTransfer} and a timer. Bounded in the
 * number of transfers overall and per client address, so a flood cannot exhaust memory or file handles;
 * and, as UDP sources are easily spoofed, a request that finds no free slot takes the slot of a transfer
 * that has made no progress for a while, so never-acknowledged requests cannot keep firmware out.
 * What becomes of each request and transfer goes to a {@link TftpObserver}: the transport logs no access
 * lines and counts nothing itself.
 */
public final class TftpTransport implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(TftpTransport.class);
    /** IPv4 (20) + UDP (8) + TFTP (4) headers. */
    private static final int HEADERS = 32;
    private static final int FALLBACK_MAX_BLOCK = 1468;
    /**
     * How long the loop, when it polls, polls for the next ACK before it sleeps: a LAN client's round trip,
     * measured with curl on loopback at 30-60 us once the server does not sleep.
     */
    private static final long SPIN_NANOS = 100_000;

    /** Lookups that may wait for Vault, and how many may queue before a request is refused as busy. */
    private static final int LOOKUP_THREADS = 2;
    private static final int LOOKUP_QUEUE = 64;

    private final EventLoopGroup group;
    private final ExecutorService lookups;
    private final Channel listener;
    private final Map<Channel, TransferHandler> transfers;
    /** Copied for each transfer's socket; built once, as channel set-up is most of a small transfer's cost. */
    private final Bootstrap transferSockets;
    /**
     * Until then no transfer can have stalled long enough to give its slot up, so a flood that finds the
     * server full is refused without scanning the transfers each time. Read and written on the event loop.
     */
    private long noReclaimBefore = Long.MIN_VALUE;

    private TftpTransport(EventLoopGroup group, ExecutorService lookups, Channel listener,
            Map<Channel, TransferHandler> transfers) {
        this.group = group;
        this.lookups = lookups;
        this.listener = listener;
        this.transfers = transfers;
        this.transferSockets = EventLoops.oneReadPerEvent(new Bootstrap().group(group));
    }

    public static TftpTransport start(InetSocketAddress address, TftpService service, TftpLimits limits, TftpObserver observer)
            throws IOException, InterruptedException {
        // One event loop: per-packet work is tiny, and on small boot servers a second loop mostly
        // competes for the cores with everything else (measured with 128 concurrent clients). While
        // transfers run, it polls for the next ACK or sleeps, whichever it measures to be quicker.
        Map<Channel, TransferHandler> transfers = new ConcurrentHashMap<>();
        EventLoopGroup group = EventLoops.spinningGroup(1, SPIN_NANOS, () -> !transfers.isEmpty());
        Map<InetAddress, Integer> perClient = new ConcurrentHashMap<>();
        AtomicInteger total = new AtomicInteger();
        TftpTransport[] self = new TftpTransport[1];
        Bootstrap bootstrap = new Bootstrap().group(group).channel(EventLoops.datagramChannel())
                .option(ChannelOption.SO_REUSEADDR, true)
                .handler(new SimpleChannelInboundHandler<DatagramPacket>() {
                    @Override
                    protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket packet) {
                        self[0].request(ctx, packet, service, limits, observer, perClient, total);
                    }
                });
        ExecutorService lookups = new ThreadPoolExecutor(LOOKUP_THREADS, LOOKUP_THREADS, 0, TimeUnit.MILLISECONDS,
                new ArrayBlockingQueue<>(LOOKUP_QUEUE), runnable -> {
                    Thread thread = new Thread(runnable, "metis-tftp-lookup");
                    thread.setDaemon(true);
                    return thread;
                });
        try {
            Channel channel = bootstrap.bind(address).sync().channel();
            self[0] = new TftpTransport(group, lookups, channel, transfers);
            return self[0];
        } catch (Exception e) {
            lookups.shutdownNow();
            group.shutdownGracefully();
            throw BindFailure.of("TFTP on UDP " + BindFailure.at(address), e, "run as root or with CAP_NET_BIND_SERVICE",
                    "is another TFTP server running on this host? choose another --tftp-port, or use --no-tftp");
        }
    }

    public InetSocketAddress localAddress() {
        return (InetSocketAddress) listener.localAddress();
    }

    private void request(ChannelHandlerContext ctx, DatagramPacket packet, TftpService service, TftpLimits limits,
            TftpObserver observer, Map<InetAddress, Integer> perClient, AtomicInteger total) {
        InetSocketAddress client = packet.sender();
        byte[] bytes = ByteBufUtil.getBytes(packet.content());
        Optional<TftpPacket> decoded = TftpCodec.decode(bytes, bytes.length);
        if (decoded.isEmpty() || !(decoded.get() instanceof TftpPacket.Request request)) {
            observer.turnedAway(client, decoded.isEmpty() ? "malformed" : "not a request");
            if (decoded.isPresent()) {
                reply(ctx.channel(), client, new TftpPacket.Error(TftpPacket.Error.ILLEGAL_OPERATION, "expected a read request"));
            }
            return;
        }
        if (!admitted(ctx, client, limits, observer, perClient, total)) {
            return;
        }
        if (!service.mayWait(request)) {
            answer(ctx, client, request, decide(service, request, client), observer, perClient, total);
            return;
        }
        // A Pi's cmdline.txt may wait for Vault: decided on a thread of its own, so that every transfer on the
        // one event loop goes on meanwhile; back on the loop, the slot is checked again, as others may have
        // taken it.
        try {
            lookups.execute(() -> {
                TftpService.Decision decision = decide(service, request, client);
                ctx.channel().eventLoop().execute(() -> {
                    if (decision instanceof TftpService.Start start
                            && !admitted(ctx, client, limits, observer, perClient, total)) {
                        closeQuietly(start.transfer());
                        return;
                    }
                    answer(ctx, client, request, decision, observer, perClient, total);
                });
            });
        } catch (RejectedExecutionException e) {
            observer.turnedAway(client, "busy");
            reply(ctx.channel(), client, new TftpPacket.Error(TftpPacket.Error.NOT_DEFINED, "server busy, try again"));
        }
    }

    /** Whether a slot is free for the client, taking a stalled one if need be; if not, refuses (on the loop). */
    private boolean admitted(ChannelHandlerContext ctx, InetSocketAddress client, TftpLimits limits, TftpObserver observer,
            Map<InetAddress, Integer> perClient, AtomicInteger total) {
        InetAddress address = client.getAddress();
        boolean clientFull = perClient.getOrDefault(address, 0) >= limits.maxPerClient();
        if ((clientFull || total.get() >= limits.maxTransfers())
                && !reclaimSlot(clientFull ? address : null, limits.reclaimAfterMillis())) {
            observer.turnedAway(client, clientFull ? "client-busy" : "busy");
            reply(ctx.channel(), client, new TftpPacket.Error(TftpPacket.Error.NOT_DEFINED, "server busy, try again"));
            return false;
        }
        return true;
    }

    private static TftpService.Decision decide(TftpService service, TftpPacket.Request request, InetSocketAddress client) {
        try {
            return service.decide(request, client.getAddress(), maxBlockSize(client.getAddress()));
        } catch (IOException e) {
            LOG.warn("TFTP {} from {}: {}", request.fileName(), client, e.toString());
            return new TftpService.Refuse(new TftpPacket.Error(TftpPacket.Error.NOT_DEFINED, "cannot read file"), "error");
        }
    }

    /** Refuses, or starts the transfer in a slot {@link #admitted} found free; on the loop. */
    private void answer(ChannelHandlerContext ctx, InetSocketAddress client, TftpPacket.Request request,
            TftpService.Decision decision, TftpObserver observer, Map<InetAddress, Integer> perClient, AtomicInteger total) {
        InetAddress address = client.getAddress();
        if (decision instanceof TftpService.Refuse refuse) {
            observer.refused(client, request.fileName(), refuse.reason());
            reply(ctx.channel(), client, refuse.error());
            return;
        }
        TftpService.Start start = (TftpService.Start) decision;
        total.incrementAndGet();
        perClient.merge(address, 1, Integer::sum);
        Runnable release = () -> {
            total.decrementAndGet();
            // the entry goes with the client's last transfer, so spoofed addresses leave nothing behind
            perClient.computeIfPresent(address, (a, n) -> n == 1 ? null : n - 1);
        };
        transferSockets.clone().channelFactory(EventLoops.datagramChannelFor(client.getAddress()))
                .handler(new TransferHandler(start, client, observer, release, transfers))
                .bind(0).addListener(bound -> {
            if (!bound.isSuccess()) {
                LOG.warn("cannot open a TFTP transfer socket: {}", bound.cause().toString());
                release.run();
                closeQuietly(start.transfer());
            }
        });
    }

    /**
     * Ends the transfer that has gone longest without progress, if that is at least {@code minStallMillis},
     * to free its slot. Runs on the one event loop that also runs every transfer, so their state is ours to
     * read. Scans every transfer, but only when the server or a client is full.
     *
     * @param of the client whose transfer to end, or null for any
     */
    private boolean reclaimSlot(InetAddress of, long minStallMillis) {
        long now = TransferHandler.now();
        if (now < noReclaimBefore) {
            return false;
        }
        TransferHandler stalledLongest = null;
        long longest = -1;
        long longestOfAll = -1;
        for (TransferHandler handler : transfers.values()) {
            long stalled = handler.stalledFor(now);
            longestOfAll = Math.max(longestOfAll, stalled);
            if (stalled >= minStallMillis && stalled > longest && (of == null || handler.client.getAddress().equals(of))) {
                stalledLongest = handler;
                longest = stalled;
            }
        }
        if (stalledLongest == null) {
            if (longestOfAll < minStallMillis) {
                // transfers started from now on begin at 0, so none gets there sooner
                noReclaimBefore = now + minStallMillis - longestOfAll;
            }
            return false;
        }
        stalledLongest.giveUp(now);
        return true;
    }

    private static void reply(Channel channel, InetSocketAddress to, TftpPacket packet) {
        channel.writeAndFlush(new DatagramPacket(Unpooled.wrappedBuffer(TftpCodec.encode(packet)), to));
    }

    private static final Map<InetAddress, Integer> BLOCK_SIZES = new ConcurrentHashMap<>();

    /** The largest block the client's network carries, cached: interface lookups cost system calls. */
    static int maxBlockSize(InetAddress client) {
        Integer known = BLOCK_SIZES.get(client);
        if (known != null) {
            return known;
        }
        int size = lookUpMaxBlockSize(client);
        if (BLOCK_SIZES.size() > 4096) {
            BLOCK_SIZES.clear();
        }
        BLOCK_SIZES.put(client, size);
        return size;
    }

    /** The client's interface MTU minus headers. */
    private static int lookUpMaxBlockSize(InetAddress client) {
        try {
            if (client.isLoopbackAddress()) {
                return NetworkInterface.getByInetAddress(InetAddress.getLoopbackAddress()).getMTU() - HEADERS;
            }
            for (NetworkInterface nic : Collections.list(NetworkInterface.getNetworkInterfaces())) {
                for (InterfaceAddress address : nic.getInterfaceAddresses()) {
                    if (address.getAddress() instanceof Inet4Address && sameSubnet(address, client)) {
                        return nic.getMTU() - HEADERS;
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            LOG.debug("MTU lookup for {} failed: {}", client, e.toString());
        }
        return FALLBACK_MAX_BLOCK;
    }

    private static boolean sameSubnet(InterfaceAddress address, InetAddress client) {
        byte[] a = address.getAddress().getAddress();
        byte[] c = client.getAddress();
        if (c.length != 4) {
            return false;
        }
        int bits = address.getNetworkPrefixLength();
        int mask = bits == 0 ? 0 : -1 << (32 - bits);
        int x = ((a[0] & 0xff) << 24) | ((a[1] & 0xff) << 16) | ((a[2] & 0xff) << 8) | (a[3] & 0xff);
        int y = ((c[0] & 0xff) << 24) | ((c[1] & 0xff) << 16) | ((c[2] & 0xff) << 8) | (c[3] & 0xff);
        return (x & mask) == (y & mask);
    }

    private static void closeQuietly(TftpTransfer transfer) {
        try {
            transfer.close();
        } catch (IOException e) {
            LOG.debug("closing a transfer source: {}", e.toString());
        }
    }

    /**
     * One transfer's socket: sends what the state machine says, re-arms its timer, and cleans up. DATA
     * packets are built in pooled direct buffers and go out on the connected socket, whose route the
     * kernel cached at connect() instead of looking one up for every packet.
     */
    private static final class TransferHandler extends SimpleChannelInboundHandler<DatagramPacket>
            implements TftpTransfer.Outbox {
        private final TftpService.Start start;
        private final InetSocketAddress client;
        private final TftpObserver observer;
        private final Runnable release;
        private final Map<Channel, TransferHandler> transfers;
        private ChannelHandlerContext ctx;
        private ByteBuf pendingData;
        private ScheduledFuture<?> timer;
        private boolean done;

        TransferHandler(TftpService.Start start, InetSocketAddress client, TftpObserver observer, Runnable release,
                Map<Channel, TransferHandler> transfers) {
            this.start = start;
            this.client = client;
            this.observer = observer;
            this.release = release;
            this.transfers = transfers;
        }

        @Override
        public void handlerAdded(ChannelHandlerContext ctx) {
            this.ctx = ctx;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            ctx.channel().connect(client).addListener(connected -> {
                if (!connected.isSuccess()) {
                    finish();
                    return;
                }
                // listed once started: before, it has no progress time to be compared by
                transfers.put(ctx.channel(), this);
                act(() -> start.transfer().start(now(), this));
            });
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket packet) {
            byte[] bytes = ByteBufUtil.getBytes(packet.content());
            Optional<TftpPacket> decoded = TftpCodec.decode(bytes, bytes.length);
            if (decoded.isEmpty()) {
                return; // garbage on a transfer socket is ignored; the timer still runs
            }
            act(() -> start.transfer().onPacket(decoded.get(), now(), this));
        }

        @Override
        public void send(byte[] packet) {
            ctx.write(Unpooled.wrappedBuffer(packet), ctx.voidPromise());
        }

        @Override
        public ByteBuffer dataBuffer(int length) {
            pendingData = ctx.alloc().directBuffer(length, length);
            return pendingData.internalNioBuffer(0, length);
        }

        @Override
        public void sendData(boolean complete) {
            ByteBuf packet = pendingData;
            pendingData = null;
            if (complete) {
                ctx.write(packet.writerIndex(packet.capacity()), ctx.voidPromise());
            } else {
                packet.release();
            }
        }

        private interface Step {
            void run() throws IOException;
        }

        private void act(Step step) {
            if (done) {
                return;
            }
            try {
                step.run();
            } catch (IOException e) {
                LOG.warn("TFTP {} to {}: {}", start.fileName(), client, e.toString());
                if (pendingData != null) {
                    sendData(false);
                }
                send(TftpCodec.encode(new TftpPacket.Error(TftpPacket.Error.NOT_DEFINED, "read error")));
                ctx.flush();
                finish();
                return;
            }
            ctx.flush();
            if (start.transfer().outcome() != TftpTransfer.Outcome.RUNNING) {
                finish();
                return;
            }
            if (timer == null) {
                armTimer();
            }
        }

        /**
         * One timer per transfer, not one per block: it wakes at the transfer's deadline, which every
         * ACK moves forward, and either retransmits or sleeps until the new deadline.
         */
        private void armTimer() {
            long delay = Math.max(1, start.transfer().deadline() - now());
            timer = ctx.executor().schedule(() -> {
                if (done) {
                    return;
                }
                if (now() >= start.transfer().deadline()) {
                    act(() -> start.transfer().onTimeout(now(), this));
                }
                if (!done) {
                    armTimer();
                }
            }, delay, TimeUnit.MILLISECONDS);
        }

        long stalledFor(long now) {
            return done ? -1 : now - start.transfer().lastProgress();
        }

        /** Gives the slot up to a new request: this transfer has stalled while others wait. */
        void giveUp(long now) {
            start.transfer().abandon("no progress for " + stalledFor(now) + " ms while the server was full");
            send(TftpCodec.encode(new TftpPacket.Error(TftpPacket.Error.NOT_DEFINED, "timed out")));
            ctx.flush();
            finish();
        }

        private void finish() {
            if (done) {
                return;
            }
            done = true;
            if (timer != null) {
                timer.cancel(false);
            }
            observer.finished(client, start.fileName(), start.transfer());
            closeQuietly(start.transfer());
            release.run();
            transfers.remove(ctx.channel());
            ctx.close();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            LOG.debug("TFTP transfer socket for {}: {}", client, cause.toString());
        }

        private static long now() {
            return System.nanoTime() / 1_000_000;
        }
    }

    @Override
    public void close() {
        listener.close().syncUninterruptibly();
        lookups.shutdownNow();
        transfers.keySet().forEach(Channel::close);
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }
}
