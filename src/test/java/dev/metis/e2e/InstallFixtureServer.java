package dev.metis.e2e;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The server side of install protocol v1 (plan, image with Range, event) over one image, for the tests of
 * the recovery client only (the real server is metis serve). It records what the client asked and
 * reported, and misbehaves once when told to: a busy plan, a connection dropped mid-chunk, a wrong chunk,
 * or image requests that stall until the client is killed.
 */
final class InstallFixtureServer implements AutoCloseable {

    static final String MAC = "52:54:00:00:00:01";
    static final String TOKEN = "fixture-install-token-4f1d";
    static final int CHUNK = 4 * 1024 * 1024;
    private static final Pattern RANGE = Pattern.compile("bytes=(\\d+)-(\\d+)");

    private final HttpServer server;
    private final ExecutorService threads = Executors.newCachedThreadPool();
    private final byte[] image;
    private volatile String plan;
    private final List<Integer> rangedChunks = new ArrayList<>();
    private final List<Map<String, String>> events = new ArrayList<>();
    private final AtomicInteger planRequests = new AtomicInteger();
    private final AtomicInteger busyPlans = new AtomicInteger();
    private final AtomicInteger dropChunk = new AtomicInteger(-1);
    private final AtomicInteger wrongChunk = new AtomicInteger(-1);
    private volatile int imageRequestsBeforeStall = Integer.MAX_VALUE;
    private final AtomicInteger imageRequests = new AtomicInteger();
    private final CountDownLatch stalled = new CountDownLatch(1);
    private final CountDownLatch released = new CountDownLatch(1);
    /** Where a fixture in another process appends what it records, a line each; null in-process. */
    private final Path record;

    private InstallFixtureServer(byte[] image, String disk, InetSocketAddress address, Path record) throws IOException {
        this.image = image;
        this.plan = plan(image, disk);
        this.record = record;
        server = HttpServer.create(address, 0);
        server.setExecutor(threads);
        server.createContext("/", this::handle);
        server.start();
        port = server.getAddress().getPort();
    }

    /** Serves {@code image} on loopback, with {@code disk} (a path or auto) as the plan's disk. */
    static InstallFixtureServer start(byte[] image, String disk) throws IOException {
        return new InstallFixtureServer(image, disk, new InetSocketAddress("127.0.0.1", 0), null);
    }

    /**
     * A fixture in a process of its own (inside a lab's network namespace): IMAGE DISK ADDRESS PORT RECORD.
     * Prints "listening" once it is; appends "range INDEX" and "event STEP k=v..." lines to RECORD.
     */
    public static void main(String[] args) throws Exception {
        InstallFixtureServer fixture = new InstallFixtureServer(Files.readAllBytes(Path.of(args[0])), args[1],
                new InetSocketAddress(args[2], Integer.parseInt(args[3])), Path.of(args[4]));
        System.out.println("listening on " + fixture.server.getAddress());
        System.out.flush();
        Thread.currentThread().join();
    }

    private final int port;

    String url() {
        return "http://127.0.0.1:" + port + "/install/" + MAC + "/" + TOKEN + "/";
    }

    int port() {
        return port;
    }

    String plan() {
        return plan;
    }

    /** The plan: the protocol's header lines, then each chunk's sha256, or zero. */
    static String plan(byte[] image, String disk) {
        StringBuilder plan = new StringBuilder("metis-install 1\nnode vm-1\ndisk " + disk + "\nsize " + image.length
                + "\nchunk " + CHUNK + "\n");
        for (int index = 0; (long) index * CHUNK < image.length; index++) {
            byte[] chunk = Arrays.copyOfRange(image, index * CHUNK, Math.min(image.length, (index + 1) * CHUNK));
            plan.append("c ").append(index).append(' ').append(isZero(chunk) ? "zero" : sha256(chunk)).append('\n');
        }
        return plan.toString();
    }

    static boolean isZero(byte[] bytes) {
        for (byte b : bytes) {
            if (b != 0) {
                return false;
            }
        }
        return true;
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Answers {@code text} as the plan from now on. */
    void servePlan(String text) {
        plan = text;
    }

    /** The next {@code count} plans are answered 503 with Retry-After: 1, as while Metis renders. */
    void busyPlans(int count) {
        busyPlans.set(count);
    }

    /** The next request for chunk {@code index} gets half the chunk, then the connection closes. */
    void dropOnce(int index) {
        dropChunk.set(index);
    }

    /** The next request for chunk {@code index} gets bytes of the right length but not the chunk's. */
    void wrongOnce(int index) {
        wrongChunk.set(index);
    }

    /** Image requests after the first {@code count} stall until {@link #close()}. */
    void stallAfter(int count) {
        imageRequestsBeforeStall = count;
    }

    /** Waits until an image request stalls. */
    boolean awaitStall(long seconds) throws InterruptedException {
        return stalled.await(seconds, TimeUnit.SECONDS);
    }

    synchronized List<Integer> rangedChunks() {
        return List.copyOf(rangedChunks);
    }

    synchronized void forgetRanges() {
        rangedChunks.clear();
    }

    synchronized List<Map<String, String>> events() {
        return List.copyOf(events);
    }

    synchronized List<String> steps() {
        return events.stream().map(e -> e.get("step")).toList();
    }

    int planRequests() {
        return planRequests.get();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String prefix = "/install/" + MAC + "/" + TOKEN + "/";
            String path = exchange.getRequestURI().getPath();
            if (!path.startsWith(prefix)) {
                answer(exchange, 403, "token");
                return;
            }
            switch (exchange.getRequestMethod() + " " + path.substring(prefix.length())) {
                case "GET plan" -> plan(exchange);
                case "GET image" -> image(exchange);
                case "POST event" -> event(exchange);
                default -> answer(exchange, 404, "no");
            }
        }
    }

    private void plan(HttpExchange exchange) throws IOException {
        planRequests.incrementAndGet();
        if (busyPlans.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
            exchange.getResponseHeaders().add("Retry-After", "1");
            answer(exchange, 503, "rendering");
            return;
        }
        exchange.getResponseHeaders().add("Content-Type", "text/plain");
        answer(exchange, 200, plan);
    }

    private void image(HttpExchange exchange) throws IOException {
        if (imageRequests.incrementAndGet() > imageRequestsBeforeStall) {
            stalled.countDown();
            try {
                released.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return;
        }
        String range = exchange.getRequestHeaders().getFirst("Range");
        Matcher m = range == null ? null : RANGE.matcher(range);
        if (m == null || !m.matches()) {
            answer(exchange, 400, "range");
            return;
        }
        int first = Integer.parseInt(m.group(1));
        int last = Integer.parseInt(m.group(2));
        int index = first / CHUNK;
        recordRange(index);
        byte[] bytes = Arrays.copyOfRange(image, first, last + 1);
        if (wrongChunk.compareAndSet(index, -1)) {
            for (int i = 0; i < bytes.length; i++) {
                bytes[i] ^= (byte) 0x5a;
            }
        }
        exchange.getResponseHeaders().add("Content-Range", "bytes " + first + "-" + last + "/" + image.length);
        exchange.sendResponseHeaders(206, bytes.length);
        OutputStream body = exchange.getResponseBody();
        if (dropChunk.compareAndSet(index, -1)) {
            body.write(bytes, 0, bytes.length / 2);
            body.flush();
            // Fewer bytes than announced: closing the exchange closes the connection.
            return;
        }
        body.write(bytes);
    }

    private void event(HttpExchange exchange) throws IOException {
        String form = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        Map<String, String> fields = new LinkedHashMap<>();
        for (String pair : form.split("&")) {
            String[] kv = pair.split("=", 2);
            fields.put(URLDecoder.decode(kv[0], StandardCharsets.UTF_8),
                    kv.length > 1 ? URLDecoder.decode(kv[1], StandardCharsets.UTF_8) : "");
        }
        recordEvent(fields);
        exchange.sendResponseHeaders(204, -1);
    }

    private synchronized void recordRange(int index) throws IOException {
        rangedChunks.add(index);
        append("range " + index);
    }

    private synchronized void recordEvent(Map<String, String> fields) throws IOException {
        events.add(fields);
        StringBuilder line = new StringBuilder("event");
        fields.forEach((k, v) -> line.append(' ').append(k).append('=').append(v));
        append(line.toString());
    }

    private void append(String line) throws IOException {
        if (record != null) {
            Files.writeString(record, line + "\n", StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        }
    }

    private static void answer(HttpExchange exchange, int status, String text) throws IOException {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        exchange.sendResponseHeaders(status, bytes.length);
        exchange.getResponseBody().write(bytes);
    }

    @Override
    public void close() {
        released.countDown();
        server.stop(0);
        threads.shutdownNow();
    }
}
