package dev.metis.bench;

import dev.metis.dhcp.DhcpCodec;
import dev.metis.dhcp.DhcpMessage;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Proxy-DHCP load generator: keeps N PXE DISCOVERs in flight against whatever answers on port 67 and
 * reports, as plain integers (counts, nanoseconds) in the root locale that bench/dhcp/run.sh reads without
 * parsing any unit, the OFFERs it timed, those it gave up on after a second, how long it ran and the latency
 * percentiles. Built with the tests; bench/dhcp/run.sh runs it with the Metis jar (for its DHCP codec):
 * {@code java -cp target/test-classes:target/metis.jar dev.metis.bench.DhcpLoad SECONDS IN_FLIGHT MAC_COUNT}
 */
public final class DhcpLoad {

    public static void main(String[] args) throws Exception {
        int seconds = Integer.parseInt(args[0]);
        int inFlight = Integer.parseInt(args[1]);
        int macs = Integer.parseInt(args[2]);
        DatagramSocket socket = new DatagramSocket(null);
        socket.setReuseAddress(true);
        socket.setBroadcast(true);
        socket.setReceiveBufferSize(4 << 20);
        socket.bind(new InetSocketAddress("0.0.0.0", 68));
        socket.setSoTimeout(200);
        InetSocketAddress server = new InetSocketAddress("255.255.255.255", 67);
        // The codec's first decodes load and compile its classes: on a busy machine, long enough for every
        // request then in flight to expire as lost, whatever the server. Do them before the clock starts.
        for (int i = 0; i < 20_000; i++) {
            DhcpCodec.decode(discover(i, i % macs));
        }

        Map<Integer, Long> outstanding = new ConcurrentHashMap<>();
        Semaphore window = new Semaphore(inFlight);
        List<Long> latencies = new ArrayList<>();
        AtomicInteger lost = new AtomicInteger();
        AtomicBoolean running = new AtomicBoolean(true);
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);

        Thread receiver = new Thread(() -> {
            byte[] buffer = new byte[1500];
            while (running.get() || !outstanding.isEmpty()) {
                try {
                    DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
                    socket.receive(packet);
                    long now = System.nanoTime();
                    Optional<DhcpMessage> offer = DhcpCodec.decode(Arrays.copyOf(packet.getData(), packet.getLength()));
                    if (offer.isPresent() && offer.get().op() == DhcpMessage.BOOTREPLY) {
                        Long sent = outstanding.remove(offer.get().xid());
                        if (sent != null) {
                            synchronized (latencies) {
                                latencies.add(now - sent);
                            }
                            window.release();
                        }
                    }
                } catch (SocketTimeoutException idle) {
                    if (!running.get()) {
                        break;
                    }
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
                long now = System.nanoTime();
                outstanding.entrySet().removeIf(e -> {
                    boolean expired = now - e.getValue() > TimeUnit.SECONDS.toNanos(1);
                    if (expired) {
                        lost.incrementAndGet();
                        window.release();
                    }
                    return expired;
                });
            }
        });
        receiver.setDaemon(true);
        receiver.start();

        int xid = 1;
        long start = System.nanoTime();
        try {
            while (System.nanoTime() < end) {
                if (!window.tryAcquire(10, TimeUnit.MILLISECONDS)) {
                    continue;
                }
                byte[] discover = discover(xid, xid % macs);
                outstanding.put(xid, System.nanoTime());
                socket.send(new DatagramPacket(discover, discover.length, server));
                xid++;
            }
        } finally {
            running.set(false);
        }
        long elapsed = System.nanoTime() - start;
        receiver.join();
        socket.close();
        long[] sorted;
        synchronized (latencies) {
            sorted = latencies.stream().mapToLong(Long::longValue).sorted().toArray();
        }
        System.out.printf(Locale.ROOT, "offers=%d lost=%d elapsed_ns=%d p50_ns=%d p99_ns=%d%n", sorted.length, lost.get(),
                elapsed, percentile(sorted, 0.50), percentile(sorted, 0.99));
    }

    /** 0 when nothing was timed, which the script refuses as a figure. */
    private static long percentile(long[] sorted, double p) {
        return sorted.length == 0 ? 0 : sorted[Math.min(sorted.length - 1, (int) (p * sorted.length))];
    }

    /** A PXE DISCOVER as BIOS firmware sends it: vendor class PXEClient, architecture 0, a UUID. */
    static byte[] discover(int xid, int macIndex) {
        ByteBuffer b = ByteBuffer.allocate(320);
        b.put((byte) 1).put((byte) 1).put((byte) 6).put((byte) 0).putInt(xid).putShort((short) 0).putShort((short) 0x8000);
        b.put(new byte[16]);
        b.put(new byte[] {0x02, 0x00, 0x00, 0x00, (byte) (macIndex >> 8), (byte) macIndex}).put(new byte[10]);
        b.put(new byte[192]);
        b.putInt(0x63825363);
        b.put(new byte[] {53, 1, 1});
        byte[] vendor = "PXEClient:Arch:00000:UNDI:002001".getBytes();
        b.put((byte) 60).put((byte) vendor.length).put(vendor);
        b.put(new byte[] {93, 2, 0, 0});
        b.put((byte) 97).put((byte) 17).put((byte) 0).put(new byte[16]);
        b.put((byte) 255);
        return b.array();
    }
}
