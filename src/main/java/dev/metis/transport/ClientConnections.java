package dev.metis.transport;

import io.netty.channel.Channel;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Open HTTP connections per client address, across all listeners, so that one host cannot take every
 * socket and file descriptor the server has.
 */
final class ClientConnections {

    private final int perClient;
    private final ConcurrentHashMap<InetAddress, Integer> open = new ConcurrentHashMap<>();

    ClientConnections(int perClient) {
        this.perClient = perClient;
    }

    /**
     * Counts the connection against its client until it closes; false, counting nothing, when that client
     * already has its share open.
     */
    boolean admit(Channel connection) {
        InetAddress client = ((InetSocketAddress) connection.remoteAddress()).getAddress();
        AtomicBoolean admitted = new AtomicBoolean();
        open.compute(client, (address, count) -> {
            int current = count == null ? 0 : count;
            if (current >= perClient) {
                return count;
            }
            admitted.set(true);
            return current + 1;
        });
        if (admitted.get()) {
            connection.closeFuture().addListener(closed -> open.computeIfPresent(client,
                    (address, count) -> count == 1 ? null : count - 1));
        }
        return admitted.get();
    }
}
