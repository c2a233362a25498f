package dev.metis.testing;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A web server on loopback standing for a distribution's mirror, so that no test needs the internet: files by
 * path (GET and HEAD, 404 for anything else), each request counted.
 */
public final class Mirror implements AutoCloseable {

    private final HttpServer server;
    private final Map<String, byte[]> files = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> requests = new ConcurrentHashMap<>();

    private Mirror(HttpServer server) {
        this.server = server;
        server.createContext("/", this::answer);
        server.start();
    }

    public static Mirror start() throws IOException {
        return new Mirror(HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0));
    }

    /** Serves {@code content} at {@code path} from now on, instead of whatever it served before. */
    public Mirror serve(String path, byte[] content) {
        files.put(path, content);
        return this;
    }

    public String url(String path) {
        return "http://127.0.0.1:" + server.getAddress().getPort() + path;
    }

    /** How many {@code method} requests for {@code path} came in. */
    public int requests(String method, String path) {
        AtomicInteger count = requests.get(method + " " + path);
        return count == null ? 0 : count.get();
    }

    private void answer(HttpExchange exchange) throws IOException {
        String method = exchange.getRequestMethod();
        String path = exchange.getRequestURI().getPath();
        requests.computeIfAbsent(method + " " + path, key -> new AtomicInteger()).incrementAndGet();
        byte[] content = files.get(path);
        try (exchange) {
            if (content == null) {
                exchange.sendResponseHeaders(404, -1);
            } else if (method.equals("HEAD")) {
                exchange.getResponseHeaders().set("Content-Length", Integer.toString(content.length));
                exchange.sendResponseHeaders(200, -1);
            } else {
                exchange.sendResponseHeaders(200, content.length);
                exchange.getResponseBody().write(content);
            }
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
