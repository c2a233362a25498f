package dev.metis.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

/**
 * A small real HTTP server that answers the part of Vault's API Metis uses, in Vault's own JSON: KV v2
 * reads ({@code GET /v1/<mount>/data/<path>}), AppRole login, and token lookup, renewal and revocation.
 * Tokens are checked on every request (403 {@code permission denied} otherwise), and every request is
 * recorded with the token it carried.
 */
public final class FakeVault implements AutoCloseable {

    /** One request as Vault saw it. */
    public record Request(String method, String path, String token) {
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpServer server;
    private final String scheme;
    private final Map<String, Map<String, Object>> secrets = new ConcurrentHashMap<>();
    private final Set<String> forbidden = ConcurrentHashMap.newKeySet();
    private final Map<String, Boolean> tokens = new ConcurrentHashMap<>();
    private final List<Request> requests = new CopyOnWriteArrayList<>();
    private final AtomicInteger issued = new AtomicInteger();
    private volatile String roleId;
    private volatile String secretId;
    private volatile long leaseSeconds = 3600;
    private volatile long renewedLeaseSeconds = 3600;
    private volatile Duration delay = Duration.ZERO;
    private volatile java.util.concurrent.CountDownLatch gate;
    private final AtomicInteger held = new AtomicInteger();
    private volatile Page proxyPage;

    /** What a proxy in front of Vault answers instead of Vault. */
    private record Page(int status, String contentType, String body) {
    }

    private FakeVault(HttpServer server, String scheme) {
        this.server = server;
        this.scheme = scheme;
        server.createContext("/", this::handle);
        server.setExecutor(Executors.newCachedThreadPool(r -> {
            Thread thread = new Thread(r, "fake-vault");
            thread.setDaemon(true);
            return thread;
        }));
        server.start();
    }

    public static FakeVault start() throws IOException {
        return new FakeVault(HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0), "http");
    }

    /**
     * Over TLS with a certificate for 127.0.0.1 made by keytool in {@code dir}; its PEM is written to
     * {@code dir/vault-ca.pem} for clients to trust.
     */
    public static FakeVault startTls(Path dir) throws Exception {
        Path store = dir.resolve("vault.p12");
        run(dir, "keytool", "-genkeypair", "-alias", "vault", "-keyalg", "RSA", "-keysize", "2048", "-validity", "2",
                "-dname", "CN=127.0.0.1", "-ext", "san=ip:127.0.0.1", "-keystore", store.toString(),
                "-storetype", "PKCS12", "-storepass", "changeit", "-keypass", "changeit");
        run(dir, "keytool", "-exportcert", "-rfc", "-alias", "vault", "-keystore", store.toString(),
                "-storepass", "changeit", "-file", dir.resolve("vault-ca.pem").toString());
        KeyStore keys = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(store)) {
            keys.load(in, "changeit".toCharArray());
        }
        KeyManagerFactory managers = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        managers.init(keys, "changeit".toCharArray());
        SSLContext tls = SSLContext.getInstance("TLS");
        tls.init(managers.getKeyManagers(), null, null);
        HttpsServer server = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setHttpsConfigurator(new HttpsConfigurator(tls));
        return new FakeVault(server, "https");
    }

    private static void run(Path dir, String... command) throws Exception {
        Process process = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (process.waitFor() != 0) {
            throw new IllegalStateException(String.join(" ", command) + " failed: " + output);
        }
    }

    /** The address for VAULT_ADDR. */
    public String address() {
        return scheme + "://127.0.0.1:" + server.getAddress().getPort();
    }

    /** Accepts {@code token} from now on (as a root token: every path, unless forbidden). */
    public FakeVault token(String token) {
        tokens.put(token, true);
        return this;
    }

    /** Forgets a token, as when it expires or is revoked. */
    public void revoke(String token) {
        tokens.remove(token);
    }

    /** Accepts AppRole logins with these credentials; each login issues a new token. */
    public FakeVault appRole(String role, String secret) {
        this.roleId = role;
        this.secretId = secret;
        return this;
    }

    /** Lease of tokens issued by login, and of tokens after renewal, in seconds. */
    public FakeVault leases(long login, long renewed) {
        this.leaseSeconds = login;
        this.renewedLeaseSeconds = renewed;
        return this;
    }

    /** Stores a KV v2 secret at {@code apiPath}, e.g. {@code secret/data/nodes/web-1}. */
    public FakeVault secret(String apiPath, Map<String, Object> data) {
        secrets.put(apiPath, Map.copyOf(data));
        return this;
    }

    public void deleteSecret(String apiPath) {
        secrets.remove(apiPath);
    }

    /** Every token gets 403 for this path. */
    public FakeVault forbid(String apiPath) {
        forbidden.add(apiPath);
        return this;
    }

    public void allow(String apiPath) {
        forbidden.remove(apiPath);
    }

    /** Secret reads wait, however long, until {@link #release}: a Vault that hangs, for as long as a test needs. */
    public void hold() {
        gate = new java.util.concurrent.CountDownLatch(1);
    }

    /** How many secret reads are waiting in {@link #hold}. */
    public int held() {
        return held.get();
    }

    public void release() {
        java.util.concurrent.CountDownLatch open = gate;
        gate = null;
        if (open != null) {
            open.countDown();
        }
    }

    /** Secret reads answer only after this long. */
    public void delay(Duration delay) {
        this.delay = delay;
    }

    /**
     * From now on every request is answered by a proxy in front of Vault, not Vault: {@code status} with
     * {@code body} as {@code contentType} (an HTML error page, a captive portal, JSON of another API).
     */
    public void proxyAnswers(int status, String contentType, String body) {
        proxyPage = new Page(status, contentType, body);
    }

    public List<Request> requests() {
        return List.copyOf(requests);
    }

    public List<Request> requests(String method, String path) {
        return requests.stream().filter(r -> r.method().equals(method) && r.path().equals(path)).toList();
    }

    /** The tokens issued by AppRole logins so far. */
    public int logins() {
        return issued.get();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String method = exchange.getRequestMethod();
            String path = exchange.getRequestURI().getPath();
            String token = exchange.getRequestHeaders().getFirst("X-Vault-Token");
            byte[] body = exchange.getRequestBody().readAllBytes();
            requests.add(new Request(method, path, token));
            Page page = proxyPage;
            if (page != null) {
                byte[] bytes = page.body().getBytes(StandardCharsets.UTF_8);
                exchange.getResponseHeaders().set("Content-Type", page.contentType());
                exchange.sendResponseHeaders(page.status(), bytes.length);
                exchange.getResponseBody().write(bytes);
                return;
            }
            if (method.equals("POST") && path.equals("/v1/auth/approle/login")) {
                login(exchange, JSON.readTree(body));
                return;
            }
            if (token == null || !tokens.containsKey(token)) {
                send(exchange, 403, Map.of("errors", List.of("permission denied")));
                return;
            }
            switch (method + " " + path) {
                case "GET /v1/auth/token/lookup-self" -> send(exchange, 200, Map.of("data", ordered(
                        "id", token, "ttl", leaseSeconds, "renewable", true, "type", "service", "policies", List.of("metis"))));
                case "POST /v1/auth/token/renew-self" -> send(exchange, 200, Map.of("auth", auth(token, renewedLeaseSeconds)));
                case "POST /v1/auth/token/revoke-self" -> {
                    tokens.remove(token);
                    exchange.sendResponseHeaders(204, -1);
                }
                default -> read(exchange, method, path.substring("/v1/".length()));
            }
        } catch (RuntimeException e) {
            e.printStackTrace();
            throw e;
        }
    }

    private void login(HttpExchange exchange, JsonNode body) throws IOException {
        if (roleId == null || !roleId.equals(body.path("role_id").asText()) || !secretId.equals(body.path("secret_id").asText())) {
            send(exchange, 400, Map.of("errors", List.of("invalid role or secret ID")));
            return;
        }
        String token = "hvs.approle-" + issued.incrementAndGet();
        tokens.put(token, true);
        send(exchange, 200, Map.of("auth", auth(token, leaseSeconds)));
    }

    private static Map<String, Object> auth(String token, long lease) {
        return ordered("client_token", token, "accessor", "accessor-" + token, "policies", List.of("metis"),
                "lease_duration", lease, "renewable", true, "token_type", "service");
    }

    private void read(HttpExchange exchange, String method, String apiPath) throws IOException {
        if (!method.equals("GET") || !apiPath.contains("/data/")) {
            send(exchange, 405, Map.of("errors", List.of("unsupported operation")));
            return;
        }
        java.util.concurrent.CountDownLatch closed = gate;
        try {
            if (closed != null) {
                held.incrementAndGet();
                closed.await();
                held.decrementAndGet();
            }
            if (!delay.isZero()) {
                Thread.sleep(delay.toMillis());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (forbidden.contains(apiPath)) {
            send(exchange, 403, Map.of("errors", List.of("1 error occurred:\n\t* permission denied\n\n")));
            return;
        }
        Map<String, Object> data = secrets.get(apiPath);
        if (data == null) {
            send(exchange, 404, Map.of("errors", List.of()));
            return;
        }
        Map<String, Object> metadata = ordered("created_time", "2025-01-01T00:00:00Z", "custom_metadata", null,
                "deletion_time", "", "destroyed", false, "version", 1);
        send(exchange, 200, ordered("request_id", "r-1", "lease_id", "", "renewable", false, "lease_duration", 0,
                "data", ordered("data", data, "metadata", metadata), "wrap_info", null, "warnings", null, "auth", null));
    }

    private static Map<String, Object> ordered(Object... keysAndValues) {
        Map<String, Object> map = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            map.put((String) keysAndValues[i], keysAndValues[i + 1]);
        }
        return map;
    }

    private static void send(HttpExchange exchange, int status, Object body) throws IOException {
        byte[] bytes = JSON.writeValueAsBytes(body);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        exchange.getResponseBody().write(bytes);
    }

    /** Closes the port: Vault is down. */
    @Override
    public void close() {
        server.stop(0);
        ((java.util.concurrent.ExecutorService) server.getExecutor()).shutdownNow();
    }
}
