package dev.metis.http;

import dev.metis.metrics.AccessLog;
import dev.metis.metrics.MetisMetrics;
import java.net.InetAddress;
import java.util.function.Supplier;

/**
 * What the HTTP transport hands each request to and reports each answer and closed connection to: the
 * router answers, and this records the access line and the metrics, so that the Netty handlers only move
 * bytes.
 */
public final class HttpResponder {

    /** Request paths come from anyone on the network: log lines stay single and short. */
    private static final int MAX_URI = 200;

    private final HttpRouter router;
    private final MetisMetrics metrics;

    public HttpResponder(HttpRouter router, MetisMetrics metrics) {
        this.router = router;
        this.metrics = metrics;
    }

    /** The request decoded and matched: whether its answer may wait for the secret source, and the answer. */
    public HttpRouter.Dispatch dispatch(HttpRequest request) {
        return router.dispatch(request);
    }

    /** The answer to a request the codec could not read whole: too large, or malformed. */
    public HttpResponse unreadable(boolean tooLarge) {
        return tooLarge ? Answers.error("bad-request", 431, "request line or headers too large")
                : Answers.error("bad-request", 400, "malformed request");
    }

    /**
     * An answer was handed to the socket.
     *
     * @param loggableUri the request target as logs may show it ({@link HttpRouter.Dispatch#loggable}), {@code -}
     *                    when it could not be read; asked only when access lines are written
     */
    public void answered(InetAddress client, String method, Supplier<String> loggableUri, HttpResponse response,
            long elapsedNanos) {
        metrics.httpRequest(response.route(), response.status(), response.sentBytes());
        if (AccessLog.LOG.isInfoEnabled()) {
            AccessLog.LOG.info("{} \"{} {}\" {} {} {}ms", client.getHostAddress(), method, AccessLog.printable(loggableUri.get(), MAX_URI),
                    response.status(), response.sentBytes(), elapsedNanos / 1_000_000);
        }
    }

    /** A connection was refused at accept: its address had as many open as one client may. */
    public void refusedOverClientLimit() {
        metrics.httpClosed(MetisMetrics.HttpClose.PER_CLIENT_LIMIT);
    }

    /** A request began to arrive but was not whole in time. */
    public void requestTimedOut() {
        metrics.httpClosed(MetisMetrics.HttpClose.REQUEST_TIMEOUT);
    }

    /** A connection went quiet too long; {@code unreadAnswers}: its client was not reading what it asked for. */
    public void idleClosed(boolean unreadAnswers) {
        metrics.httpClosed(unreadAnswers ? MetisMetrics.HttpClose.NOT_READING : MetisMetrics.HttpClose.IDLE);
    }
}
