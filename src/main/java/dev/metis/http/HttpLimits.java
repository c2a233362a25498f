package dev.metis.http;

import java.time.Duration;

/**
 * What one client may hold of the HTTP server.
 *
 * @param requestTimeout       how long a request may take to arrive whole, from its first byte (and a TLS
 *                             handshake from its start)
 * @param idleTimeout          how long a connection may go without traffic either way: kept alive between
 *                             requests, or with answers its client does not read
 * @param connectionsPerClient connections one address may have open at once; more are closed at once
 */
public record HttpLimits(Duration requestTimeout, Duration idleTimeout, int connectionsPerClient) {
    public static final HttpLimits DEFAULT = new HttpLimits(Duration.ofSeconds(10), Duration.ofSeconds(60), 32);

    public HttpLimits {
        if (requestTimeout.isNegative() || requestTimeout.isZero()) {
            throw new IllegalArgumentException("the request timeout must be longer than 0");
        }
        if (idleTimeout.isNegative() || idleTimeout.isZero()) {
            throw new IllegalArgumentException("the idle timeout must be longer than 0");
        }
        if (connectionsPerClient < 1) {
            throw new IllegalArgumentException("connections per client must be at least 1");
        }
    }
}
