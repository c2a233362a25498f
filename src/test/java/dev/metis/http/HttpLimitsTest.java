package dev.metis.http;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import dev.metis.testing.RawHttp;
import dev.metis.testing.ServerFixture;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Clients that misbehave on purpose, over real loopback sockets: they hold little of the server, are
 * closed when too slow or too many, and others are served meanwhile. The waits are upper bounds only.
 */
class HttpLimitsTest {

    /** Far longer than any limit set here, so that a loaded machine does not fail a test. */
    private static final Duration PATIENCE = Duration.ofSeconds(60);
    private static final String KERNEL = "GET /assets/debian/vmlinuz HTTP/1.1\r\nHost: x\r\n";

    @TempDir
    Path dir;

    private ServerFixture server;
    private final List<Socket> sockets = new ArrayList<>();

    @AfterEach
    void stop() throws IOException {
        for (Socket socket : sockets) {
            socket.close();
        }
        if (server != null) {
            server.close();
        }
    }

    @Test
    void aClientThatPipelinesAndNeverReadsHoldsFewFilesAndOthersAreServed() throws Exception {
        server = new ServerFixture(dir).start();
        assertThat(counter("metis_http_requests_total{route=\"/assets\",status=\"200\"}")).isZero();
        long before = openFileDescriptors();
        // Padded, so that the requests are more than the kernel's socket buffers hold.
        byte[] request = (KERNEL + "X-Pad: " + "p".repeat(2000) + "\r\n\r\n").getBytes(US_ASCII);
        Socket hostile = socket("127.0.0.1");
        Thread pipelining = new Thread(() -> {
            try {
                OutputStream out = hostile.getOutputStream();
                for (int i = 0; i < 5000; i++) {
                    out.write(request);
                }
            } catch (IOException closed) {
                // the test is over
            }
        }, "pipelining-client");
        pipelining.setDaemon(true);
        pipelining.start();

        awaitTrue("the server answers the pipelined requests",
                () -> counter("metis_http_requests_total{route=\"/assets\",status=\"200\"}") >= 16);
        for (int i = 0; i < 50; i++) {
            assertThat(RawHttp.get("127.0.0.2", server.port, "/healthz").status()).isEqualTo(200);
            assertThat(openFileDescriptors()).as("open file descriptors").isLessThan(before + 50);
        }
        // 16 in hand and the few (of 300 kB) that the kernel's socket buffers take: the rest of the 5000
        // requests are not read while the client takes no answer.
        assertThat(counter("metis_http_requests_total{route=\"/assets\",status=\"200\"}")).isLessThan(100);
    }

    @Test
    void aClientThatPipelinesMoreThanTheServerHoldsAndReadsGetsEveryAnswerInOrder() throws Exception {
        server = new ServerFixture(dir).start();
        Socket socket = socket("127.0.0.1");
        StringBuilder requests = new StringBuilder();
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            // A file, a script answered off the event loop (it may wait for secrets), and a page from memory.
            String path = List.of("/assets/debian/initrd.gz", "/ipxe/02:00:00:00:00:99", "/healthz").get(i % 3);
            requests.append("GET ").append(path).append(" HTTP/1.1\r\nHost: x\r\n\r\n");
            expected.add(path);
        }
        socket.getOutputStream().write(requests.toString().getBytes(US_ASCII));
        InputStream in = socket.getInputStream();
        for (String path : expected) {
            String head = head(in);
            assertThat(head).as(path).startsWith("HTTP/1.1 200");
            byte[] body = in.readNBytes(contentLength(head));
            switch (path) {
                case "/assets/debian/initrd.gz" -> assertThat(body).isEqualTo(ServerFixture.pattern(1024));
                case "/healthz" -> assertThat(new String(body, US_ASCII)).contains("\"http\"");
                default -> assertThat(new String(body, US_ASCII)).startsWith("#!ipxe");
            }
        }
    }

    @Test
    void halfSentAndTricklingRequestsAreClosedAfterTheRequestTimeout() throws Exception {
        server = new ServerFixture(dir).withHttpLimits(new HttpLimits(Duration.ofSeconds(1),
                Duration.ofHours(1), 64)).start();
        List<Socket> halfSent = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            Socket socket = socket("127.0.0.1");
            socket.getOutputStream().write(KERNEL.getBytes(US_ASCII)); // no blank line: the head never ends
            halfSent.add(socket);
        }
        assertThat(RawHttp.get("127.0.0.2", server.port, "/healthz").status()).isEqualTo(200);
        for (Socket socket : halfSent) {
            assertClosedWithoutAnswer(socket);
        }

        Socket trickling = socket("127.0.0.1");
        OutputStream out = trickling.getOutputStream();
        out.write((KERNEL + "X-Slow: ").getBytes(US_ASCII));
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        try {
            while (System.nanoTime() < deadline) {
                out.write('s'); // a header byte now and then: never idle, never whole
                Thread.sleep(100);
            }
            fail("a request trickling in for " + PATIENCE + " was not closed");
        } catch (IOException closed) {
            // the server closed the connection, so that writing failed
        }
        assertThat(counter("metis_http_connections_closed_total{reason=\"request_timeout\"}")).isEqualTo(21);
    }

    @Test
    void idleKeepAliveConnectionsAreClosedAfterTheIdleTimeout() throws Exception {
        server = new ServerFixture(dir).withHttpLimits(new HttpLimits(Duration.ofHours(1),
                Duration.ofSeconds(1), 64)).start();
        Socket socket = socket("127.0.0.1");
        socket.getOutputStream().write("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(US_ASCII));
        InputStream in = socket.getInputStream();
        String head = head(in);
        assertThat(head).startsWith("HTTP/1.1 200").containsIgnoringCase("connection: keep-alive");
        in.readNBytes(contentLength(head));
        assertThat(in.read()).as("the server closed the idle connection").isEqualTo(-1);
        assertThat(counter("metis_http_connections_closed_total{reason=\"idle\"}")).isEqualTo(1);
    }

    @Test
    void aClientThatStopsReadingIsClosedAfterTheIdleTimeout() throws Exception {
        server = new ServerFixture(dir).withHttpLimits(new HttpLimits(Duration.ofHours(1),
                Duration.ofSeconds(1), 64)).start();
        Socket socket = socket("127.0.0.1");
        socket.getOutputStream().write((KERNEL + "\r\n").repeat(50).getBytes(US_ASCII));
        awaitTrue("the server closes the connection whose answers are not read",
                () -> counter("metis_http_connections_closed_total{reason=\"not_reading\"}") == 1);
    }

    @Test
    void connectionsBeyondThePerClientCapAreClosedAndOtherAddressesServed() throws Exception {
        server = new ServerFixture(dir).withHttpLimits(new HttpLimits(Duration.ofSeconds(10),
                Duration.ofMinutes(10), 4)).start();
        List<Socket> open = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            Socket socket = socket("127.0.0.1");
            socket.getOutputStream().write("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(US_ASCII));
            assertThat(head(socket.getInputStream())).startsWith("HTTP/1.1 200");
            open.add(socket);
        }
        Socket fifth = socket("127.0.0.1");
        fifth.getOutputStream().write("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(US_ASCII));
        assertClosedWithoutAnswer(fifth);
        assertThat(RawHttp.get("127.0.0.2", server.port, "/healthz").status()).isEqualTo(200);
        assertThat(counter("metis_http_connections_closed_total{reason=\"per_client_limit\"}")).isEqualTo(1);

        open.get(0).close();
        awaitTrue("a place freed by a closed connection is taken again", () -> {
            try {
                return RawHttp.get("127.0.0.1", server.port, "/healthz").status() == 200;
            } catch (IOException refused) {
                return false;
            }
        });
    }

    /** A socket from {@code source} connected to the server, closed after the test. */
    private Socket socket(String source) throws IOException {
        Socket socket = new Socket();
        sockets.add(socket);
        socket.setReceiveBufferSize(4096);
        socket.bind(new InetSocketAddress(source, 0));
        socket.connect(new InetSocketAddress("127.0.0.1", server.port), 5000);
        socket.setSoTimeout((int) PATIENCE.toMillis());
        return socket;
    }

    private static void assertClosedWithoutAnswer(Socket socket) throws IOException {
        try {
            assertThat(socket.getInputStream().read()).as("the server closed the connection").isEqualTo(-1);
        } catch (SocketTimeoutException e) {
            fail("the server kept the connection open for " + PATIENCE);
        } catch (IOException reset) {
            assertThat(reset.getMessage()).contains("reset");
        }
    }

    private static String head(InputStream in) throws IOException {
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int c = in.read();
            if (c < 0) {
                throw new IOException("closed after " + head);
            }
            head.append((char) c);
        }
        return head.toString();
    }

    private static int contentLength(String head) {
        for (String line : head.split("\r\n")) {
            if (line.toLowerCase().startsWith("content-length:")) {
                return Integer.parseInt(line.substring(line.indexOf(':') + 1).trim());
            }
        }
        throw new AssertionError("no Content-Length in " + head);
    }

    /** A series' value from /metrics, asked from 127.0.0.2 so that it counts against no client under test. */
    private double counter(String series) {
        try {
            for (String line : RawHttp.get("127.0.0.2", server.port, "/metrics").body().split("\n")) {
                if (line.startsWith(series + " ")) {
                    return Double.parseDouble(line.substring(series.length() + 1));
                }
            }
            return 0;
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    private static long openFileDescriptors() throws IOException {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.count();
        }
    }

    private static void awaitTrue(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                fail(what + ": not within " + PATIENCE);
            }
            Thread.sleep(50);
        }
    }
}
