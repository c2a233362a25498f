package dev.metis.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.metis.files.PemTrust;
import dev.metis.testing.Cli;
import dev.metis.testing.ExternalTool;
import dev.metis.testing.RawHttp;
import dev.metis.testing.ServerFixture;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.function.Supplier;
import java.util.stream.Stream;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code metis serve --tls-cert --tls-key}: everything over HTTPS, checked with curl and the JDK's client
 * trusting a certificate made here with openssl; plain HTTP keeps only what booting machines fetch.
 */
class HttpsIT {

    @TempDir
    Path dir;

    /** A self-signed certificate for 127.0.0.1 and its PKCS#8 key (what {@code openssl req -nodes} writes). */
    private Path[] selfSigned() throws Exception {
        Path cert = dir.resolve("cert.pem");
        Path key = dir.resolve("key.pem");
        ExternalTool.Result made = ExternalTool.run(dir, ExternalTool.require("openssl").toString(), "req", "-x509",
                "-newkey", "rsa:2048", "-nodes", "-keyout", key.toString(), "-out", cert.toString(), "-days", "2",
                "-subj", "/CN=metis test", "-addext", "subjectAltName=IP:127.0.0.1");
        assertThat(made.exitCode()).as(made.all()).isZero();
        return new Path[] {cert, key};
    }

    @Test
    void theApiGoesOverHttpsWhilePlainHttpKeepsOnlyWhatBootingMachinesFetch() throws Exception {
        Path[] tls = selfSigned();
        ServerFixture server = new ServerFixture(dir);
        int https = server.withHttps(tls[0], tls[1]);
        String base = "https://127.0.0.1:" + https;
        try (ServerFixture running = server.start()) {
            Path curl = ExternalTool.require("curl");
            ExternalTool.Result nodes = ExternalTool.run(dir, curl.toString(), "-sS", "--fail", "--cacert",
                    tls[0].toString(), base + "/api/v1/nodes");
            assertThat(nodes.exitCode()).as(nodes.all()).isZero();
            assertThat(nodes.output()).contains("\"name\":\"web-1\"");
            ExternalTool.Result untrusted = ExternalTool.run(dir, curl.toString(), "-sS", base + "/api/v1/nodes");
            assertThat(untrusted.exitCode()).as("curl: peer certificate cannot be verified").isEqualTo(60);

            HttpClient client = HttpClient.newBuilder().sslContext(PemTrust.trusting(tls[0])).build();
            HttpResponse<String> metrics = client.send(HttpRequest.newBuilder(URI.create(base + "/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(metrics.statusCode()).isEqualTo(200);
            HttpResponse<byte[]> kernel = client.send(HttpRequest.newBuilder(URI.create(base + "/assets/debian/vmlinuz"))
                    .build(), HttpResponse.BodyHandlers.ofByteArray());
            assertThat(kernel.body()).isEqualTo(ServerFixture.pattern(300_000));
            HttpResponse<byte[]> part = client.send(HttpRequest.newBuilder(URI.create(base + "/assets/debian/vmlinuz"))
                    .header("Range", "bytes=70000-70999").build(), HttpResponse.BodyHandlers.ofByteArray());
            assertThat(part.statusCode()).isEqualTo(206);
            assertThat(part.body()).isEqualTo(Arrays.copyOfRange(ServerFixture.pattern(300_000), 70_000, 71_000));

            running.post(running.phoneHomePath("web-1", ServerFixture.MAC), "hostname=web-1");
            HttpRequest.Builder rearm = HttpRequest.newBuilder(URI.create(base + "/api/v1/nodes/web-1/reprovision"))
                    .POST(HttpRequest.BodyPublishers.noBody());
            assertThat(client.send(rearm.build(), HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(401);

            HttpResponse<String> plainRearm = running.post("/api/v1/nodes/web-1/reprovision", "",
                    "Authorization", "Bearer " + ServerFixture.ADMIN_TOKEN);
            assertThat(plainRearm.statusCode()).isEqualTo(403);
            assertThat(plainRearm.body()).contains("HTTPS only, on port " + https);
            for (String path : new String[] {"/api/v1/nodes", "/api/v1/nodes/web-1", "/api/v1/nodes/web-1/config",
                    "/api/v1/burns", "/", "/web/app.js", "/metrics", "/no/such/route"}) {
                assertThat(running.get(path).statusCode()).as(path).isEqualTo(403);
            }
            assertThat(running.get("/api/v1/nodes").body()).doesNotContain("web-1");

            Path token = dir.resolve("token");
            Files.writeString(token, ServerFixture.ADMIN_TOKEN);
            Cli.Run done = Cli.run("reprovision", "web-1", "--server", base, "--cacert", tls[0].toString(),
                    "--token-file", token.toString());
            assertThat(done.exitCode()).as(done.all()).isZero();
            assertThat(done.err()).doesNotContain("unencrypted");
            Cli.Run shown = Cli.run("nodes", "web-1", "--server", base, "--cacert", tls[0].toString());
            assertThat(shown.exitCode()).as(shown.all()).isZero();
            assertThat(shown.out()).contains("state      armed").contains("rearmed");
            Cli.Run plainNodes = Cli.run("nodes", "--server", running.uri("").toString());
            assertThat(plainNodes.exitCode()).isEqualTo(1);
            assertThat(plainNodes.err()).contains("answered 403").contains("HTTPS only, on port " + https);

            String seed = running.seedPath(ServerFixture.MAC);
            for (String path : new String[] {"/boot.ipxe", seed + "meta-data", seed + "user-data",
                    "/assets/debian/initrd.gz", "/healthz"}) {
                assertThat(RawHttp.get("127.0.0.1", running.port, path).status()).as(path).isEqualTo(200);
            }
            assertThat(RawHttp.get("127.0.0.22", running.port, "/ipxe/02:00:00:00:00:02").status())
                    .as("web-2's script, from its address").isEqualTo(200);
            assertThat(running.post(running.phoneHomePath("web-1", ServerFixture.MAC), "hostname=web-1").statusCode()).isEqualTo(200);
        }
    }

    @Test
    void overTlsSlowRequestsAreClosedAndAClientThatDoesNotReadHoldsFewAnswers() throws Exception {
        Path[] tls = selfSigned();
        ServerFixture server = new ServerFixture(dir).withHttpLimits(new HttpLimits(Duration.ofSeconds(1),
                Duration.ofHours(1), 64));
        int https = server.withHttps(tls[0], tls[1]);
        try (ServerFixture running = server.start()) {
            HttpClient client = HttpClient.newBuilder().sslContext(PemTrust.trusting(tls[0])).build();
            Supplier<String> metrics = () -> {
                try {
                    return client.send(HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + https + "/metrics")).build(),
                            HttpResponse.BodyHandlers.ofString()).body();
                } catch (IOException | InterruptedException e) {
                    throw new AssertionError(e);
                }
            };
            String kernelAnswers = "metis_http_requests_total{route=\"/assets\",status=\"200\"} ";
            assertThat(answered(metrics.get(), kernelAnswers)).isZero();
            SSLSocketFactory sockets = PemTrust.trusting(tls[0]).getSocketFactory();
            try (SSLSocket halfSent = (SSLSocket) sockets.createSocket("127.0.0.1", https)) {
                halfSent.setSoTimeout(60_000);
                halfSent.getOutputStream().write("GET /healthz HTTP/1.1\r\nHost: x\r\n".getBytes(StandardCharsets.US_ASCII));
                halfSent.getOutputStream().flush();
                try {
                    assertThat(halfSent.getInputStream().read()).as("closed by the server").isEqualTo(-1);
                } catch (SocketTimeoutException e) {
                    throw new AssertionError("a half-sent request over TLS was kept for a minute", e);
                } catch (IOException closedWithoutNotify) {
                    // closed, too
                }
            }
            assertThat(metrics.get()).contains("metis_http_connections_closed_total{reason=\"request_timeout\"} 1.0");

            long before = openFileDescriptors();
            // Over a socket of its own: closing an SSLSocket waits for its writer, which the server no longer reads.
            Socket raw = new Socket("127.0.0.1", https);
            SSLSocket hostile = (SSLSocket) sockets.createSocket(raw, "127.0.0.1", https, true);
            byte[] request = ("GET /assets/debian/vmlinuz HTTP/1.1\r\nHost: x\r\nX-Pad: " + "p".repeat(2000) + "\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII);
            Thread pipelining = new Thread(() -> {
                try {
                    for (int i = 0; i < 5000; i++) {
                        hostile.getOutputStream().write(request);
                    }
                } catch (IOException closed) {
                    // the test is over
                }
            }, "pipelining-tls-client");
            pipelining.setDaemon(true);
            pipelining.start();
            try (raw) {
                long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
                while (answered(metrics.get(), kernelAnswers) < 1) {
                    assertThat(System.nanoTime()).as("the server answers the pipelined requests").isLessThan(deadline);
                    Thread.sleep(50);
                }
                for (int i = 0; i < 50; i++) {
                    assertThat(RawHttp.get("127.0.0.2", running.port, "/healthz").status()).isEqualTo(200);
                    assertThat(openFileDescriptors()).as("open file descriptors").isLessThan(before + 50);
                }
                // Through TLS the answers' bytes count against the write buffer: reading stops after the first.
                assertThat(answered(metrics.get(), kernelAnswers)).isLessThan(100);
                assertThat(metrics.get()).as("requests that arrived whole are not slow, however long they wait for the server")
                        .contains("metis_http_connections_closed_total{reason=\"request_timeout\"} 1.0");
            }
        }
    }

    private static double answered(String metrics, String series) {
        int at = metrics.indexOf(series);
        return at < 0 ? 0 : Double.parseDouble(metrics.substring(at + series.length(), metrics.indexOf('\n', at)));
    }

    private static long openFileDescriptors() throws IOException {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.count();
        }
    }

    @Test
    void aKeyInAnotherFormIsRefusedWithTheConversionToUse() throws Exception {
        Path[] tls = selfSigned();
        Path pkcs1 = dir.resolve("rsa.pem");
        ExternalTool.Result made = ExternalTool.run(dir, "openssl", "genrsa", "-traditional", "-out", pkcs1.toString(), "2048");
        assertThat(made.exitCode()).as(made.all()).isZero();
        ServerFixture server = new ServerFixture(dir);
        server.withHttps(tls[0], pkcs1);
        assertThatThrownBy(server::start).hasMessageContaining("is not an unencrypted PKCS#8 PEM key")
                .hasMessageContaining("openssl pkcs8 -topk8 -nocrypt -in " + pkcs1);
        server.withHttps(tls[0], tls[0]);
        assertThatThrownBy(server::start).hasMessageContaining("TLS key " + tls[0]);

        Cli.Run alone = Cli.run("serve", "--inventory", server.inventory.toString(), "--tls-cert", tls[0].toString());
        assertThat(alone.exitCode()).isEqualTo(2);
        assertThat(alone.err()).contains("--tls-cert and --tls-key go together");
    }

    @Test
    void anHttpsPortInUseIsNamedAndTheHttpPortBoundBeforeItIsLetGo() throws Exception {
        Path[] tls = selfSigned();
        ServerFixture server = new ServerFixture(dir);
        int https = server.withHttps(tls[0], tls[1]);
        try (ServerSocket taken = new ServerSocket(https, 1, InetAddress.getByName("127.0.0.1"))) {
            assertThatThrownBy(server::start)
                    .hasMessageStartingWith("cannot listen for HTTPS on TCP 127.0.0.1:" + https + ": ")
                    .hasMessageContaining("choose another --http-addr or --https-port");
        }
        try (ServerFixture running = server.start()) {
            assertThat(running.get("/healthz").statusCode()).isEqualTo(200);
        }
    }
}
