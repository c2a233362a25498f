package dev.metis.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * Sends bytes exactly as given, for requests a well-behaved client library would not send, and from a
 * chosen loopback address (127.0.0.2, ...), which the JDK's HttpClient cannot choose.
 */
public final class RawHttp {

    private RawHttp() {
    }

    /** An answer read whole: status code, the head as sent, and the body. */
    public record Answer(int status, String head, String body) {
    }

    /** Sends one request on a fresh connection and returns the status line. */
    public static String statusLine(int port, String request) throws IOException {
        try (Socket socket = connect("127.0.0.1", port, 5000)) {
            OutputStream out = socket.getOutputStream();
            out.write(request.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            InputStream in = socket.getInputStream();
            StringBuilder line = new StringBuilder();
            int c;
            while ((c = in.read()) >= 0 && c != '\n') {
                line.append((char) c);
            }
            return line.toString().trim();
        }
    }

    /** Sends the bytes on one connection and returns everything answered until the server closes it. */
    public static String exchange(int port, String requests) throws IOException {
        return exchange("127.0.0.1", port, requests);
    }

    /** A GET from {@code source}, a local address such as 127.0.0.2, to the server on 127.0.0.1. */
    public static Answer get(String source, int port, String path) throws IOException {
        return answer(exchange(source, port, "GET " + path + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
    }

    /** A form POST from {@code source}. */
    public static Answer post(String source, int port, String path, String form) throws IOException {
        byte[] body = form.getBytes(StandardCharsets.UTF_8);
        return answer(exchange(source, port, "POST " + path + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                + "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: " + body.length + "\r\n\r\n" + form));
    }

    private static String exchange(String source, int port, String requests) throws IOException {
        try (Socket socket = connect(source, port, 10000)) {
            socket.getOutputStream().write(requests.getBytes(StandardCharsets.ISO_8859_1));
            socket.getOutputStream().flush();
            return new String(socket.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
        }
    }

    /** @throws IOException when the server closed the connection without a status line */
    private static Answer answer(String raw) throws IOException {
        if (!raw.startsWith("HTTP/")) {
            throw new IOException("no HTTP answer: " + (raw.isEmpty() ? "closed at once" : raw.substring(0, Math.min(40, raw.length()))));
        }
        int end = raw.indexOf("\r\n\r\n");
        String head = end < 0 ? raw : raw.substring(0, end);
        String body = end < 0 ? "" : new String(raw.substring(end + 4).getBytes(StandardCharsets.ISO_8859_1),
                StandardCharsets.UTF_8);
        return new Answer(Integer.parseInt(head.split(" ", 3)[1]), head, body);
    }

    private static Socket connect(String source, int port, int timeoutMillis) throws IOException {
        Socket socket = new Socket();
        try {
            socket.bind(new InetSocketAddress(source, 0));
            socket.connect(new InetSocketAddress("127.0.0.1", port), 5000);
            socket.setSoTimeout(timeoutMillis);
            return socket;
        } catch (IOException e) {
            socket.close();
            throw e;
        }
    }
}
