package dev.metis.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.metis.dhcp.Captures;
import dev.metis.http.HttpLimits;
import dev.metis.http.TlsFiles;
import dev.metis.identity.PhoneHomeKeys;
import dev.metis.secrets.Secret;
import dev.metis.serve.MetisServer;
import dev.metis.state.SiteKeyFile;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A real {@code metis serve} on loopback with its own inventory, state and assets in a temporary
 * directory, and a plain HTTP client to talk to it.
 */
public final class ServerFixture implements AutoCloseable {

    public static final String ADMIN_TOKEN = "test-admin-token";
    public static final String MAC = "02:00:00:00:00:01";
    /**
     * web-1's static address: where the test client connects from, so that it is a machine the server may
     * give web-1's script to (see {@code SeedBindings}: no other machine is, until proxy-DHCP sees one boot).
     */
    public static final String NODE_ADDRESS = "127.0.0.1";

    public final Path dir;
    public final Path inventory;
    public final Path state;
    public final Path assets;
    public final int port;
    public final int tftpPort;
    public final Path tftpRoot;
    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private MetisServer server;
    private Map<String, String> environment = Map.of();
    private Clock clock = Clock.systemUTC();
    private MetisServer.Https https = MetisServer.Https.OFF;
    private HttpLimits httpLimits = HttpLimits.DEFAULT;
    private MetisServer.Dhcp dhcp = MetisServer.Dhcp.OFF;

    public ServerFixture(Path dir) throws Exception {
        this.dir = dir;
        this.port = freePort();
        this.tftpPort = freePort();
        this.tftpRoot = dir.resolve("tftp");
        Files.createDirectories(tftpRoot);
        this.state = dir.resolve("state");
        this.assets = dir.resolve("assets");
        Files.createDirectories(assets.resolve("debian"));
        Files.write(assets.resolve("debian/vmlinuz"), pattern(300_000));
        Files.write(assets.resolve("debian/initrd.gz"), pattern(1024));
        this.inventory = InventoryFixture.write(dir, "inventory.yaml", inventoryYaml(""));
    }

    /** The test inventory, with extra YAML appended to the one node's entry. */
    public String inventoryYaml(String extraNodeYaml) {
        return inventoryYaml("", extraNodeYaml);
    }

    /** The test inventory, with extra YAML appended to the site and to the one node's entry. */
    public String inventoryYaml(String extraSiteYaml, String extraNodeYaml) {
        return """
                site:
                  name: test
                  domain: t.example
                  server_url: http://127.0.0.1:%d
                  k3s_server: https://192.0.2.10:6443
                  ssh_authorized_keys: [ssh-ed25519 AAAAtest site@key]
                %sclasses:
                  net:
                    arch: amd64
                    delivery: netboot
                    gateway: 127.0.0.254
                    netboot: {kernel: debian/vmlinuz, initrd: [debian/initrd.gz], cmdline: console=ttyS0}
                    k3s: {role: agent}
                nodes:
                  web-1:
                    class: net
                    mac: %s
                    ip: %s/8
                %s  web-2: {class: net, mac: 02:00:00:00:00:02, ip: 127.0.0.22/8}
                """.formatted(port, extraSiteYaml, MAC, NODE_ADDRESS, extraNodeYaml);
    }

    public static byte[] pattern(int size) {
        byte[] bytes = new byte[size];
        for (int i = 0; i < size; i++) {
            bytes[i] = (byte) (i * 31 + (i >> 8));
        }
        return bytes;
    }

    /** The line the inventory's site gets for {@link #withSecretsFile}. */
    public static final String SECRETS_FILE_SITE = "  secrets: {source: file, file: secrets.yaml}\n";

    /**
     * The inventory takes its secrets from {@code secrets.yaml} beside it, written with {@code secretsYaml}
     * and mode 0600, as Metis requires; returns that file.
     */
    public Path withSecretsFile(String secretsYaml) throws IOException {
        Files.writeString(inventory, inventoryYaml(SECRETS_FILE_SITE, ""));
        Path secrets = dir.resolve("secrets.yaml");
        Files.writeString(secrets, secretsYaml);
        Files.setPosixFilePermissions(secrets, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        return secrets;
    }

    /** The environment the server reads Vault's address and credentials from (none by default). */
    public ServerFixture withEnvironment(Map<String, String> environment) {
        this.environment = Map.copyOf(environment);
        return this;
    }

    /** The clock the server stamps events with and measures seed windows by. */
    public ServerFixture withClock(Clock clock) {
        this.clock = clock;
        return this;
    }

    /** HTTP timeouts and per-client connection cap, for tests that need them short or small. */
    public ServerFixture withHttpLimits(HttpLimits limits) {
        this.httpLimits = limits;
        return this;
    }

    /** HTTPS on a free port besides plain HTTP; returns the port. */
    public int withHttps(Path certificate, Path key) throws IOException {
        https = new MetisServer.Https(true, new InetSocketAddress("127.0.0.1", freePort()),
                new TlsFiles(certificate, key));
        return https.address().getPort();
    }

    /** Proxy-DHCP on the loopback interface, on free ports (needs root for SO_BINDTODEVICE); returns the DHCP port. */
    public int withDhcpOnLoopback() throws IOException {
        dhcp = new MetisServer.Dhcp(true, List.of("lo"), freePort(), freePort());
        return dhcp.port();
    }

    public ServerFixture start() throws Exception {
        server = MetisServer.start(new MetisServer.Settings(inventory, state, assets, tftpRoot,
                new InetSocketAddress("127.0.0.1", port), https, httpLimits, Secret.of(ADMIN_TOKEN), Duration.ofMillis(100),
                Duration.ofMinutes(30), dhcp, new MetisServer.Tftp(true, new InetSocketAddress("127.0.0.1", tftpPort)),
                environment), clock);
        return this;
    }

    /**
     * What a booting node does first: fetches its script, and returns the seed path the script gives its
     * kernel, {@code /nocloud/<mac>/<token>/}.
     */
    public String seedPath(String mac) throws IOException {
        return seedPath(mac, NODE_ADDRESS);
    }

    /** {@link #seedPath(String)} as fetched by a client speaking from {@code source}, a loopback address. */
    public String seedPath(String mac, String source) throws IOException {
        RawHttp.Answer script = RawHttp.get(source, port, "/ipxe/" + mac);
        Matcher seed = Pattern.compile("ds=nocloud-net;s=http://127\\.0\\.0\\.1:" + port + "(/nocloud/\\S+/)").matcher(script.body());
        if (script.status() != 200 || !seed.find()) {
            throw new AssertionError("no seed URL in the script: " + script.status() + " " + script.body());
        }
        return seed.group(1);
    }

    /**
     * What a booting machine's DHCP client does, as proxy-DHCP sees it: {@link Captures#dhcpRequest}, sent to
     * this server's proxy-DHCP (see {@link #withDhcpOnLoopback}). Returns once the server has counted it.
     */
    public void dhcpRequest(String mac, String address) throws Exception {
        byte[] packet = Captures.dhcpRequest(mac, address);
        double before = dhcpRequestsIgnored();
        try (DatagramSocket client = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
            client.send(new DatagramPacket(packet, packet.length, InetAddress.getLoopbackAddress(), dhcp.port()));
        }
        for (int i = 0; i < 300 && dhcpRequestsIgnored() <= before; i++) {
            Thread.sleep(100);
        }
    }

    /** A REQUEST to the site's server is not answered by proxy-DHCP: it counts as ignored. */
    private double dhcpRequestsIgnored() throws IOException, InterruptedException {
        Matcher count = Pattern.compile("metis_dhcp_requests_total\\{port=\"dhcp\",result=\"ignored\"} (\\S+)")
                .matcher(get("/metrics").body());
        return count.find() ? Double.parseDouble(count.group(1)) : 0;
    }

    /**
     * Where {@code node} phones home, with the key its user-data carries: derived from the site key in this
     * fixture's state directory, as the server derives it.
     */
    public String phoneHomePath(String node, String mac) {
        try {
            return "/phone-home/" + mac + "/" + new PhoneHomeKeys(SiteKeyFile.loadOrCreate(state)).keyFor(node).reveal();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** {@code /healthz} once {@code until} holds for it: the server's checks run on threads of their own. */
    public JsonNode awaitHealth(Predicate<JsonNode> until) throws Exception {
        JsonNode health = null;
        for (int i = 0; i < 600; i++) {
            health = new ObjectMapper().readTree(get("/healthz").body());
            if (until.test(health)) {
                return health;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("/healthz never became as awaited: " + health);
    }

    /** {@code /healthz} once the server has looked at the files its nodes need. */
    public JsonNode awaitAssetsChecked() throws Exception {
        return awaitHealth(health -> !health.at("/assets/status").asText().equals("checking"));
    }

    public void stop() throws IOException {
        if (server != null) {
            server.close();
            server = null;
        }
    }

    public URI uri(String path) {
        return URI.create("http://127.0.0.1:" + port + path);
    }

    public HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return client.send(HttpRequest.newBuilder(uri(path)).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    public HttpResponse<byte[]> getBytes(String path, String... headers) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri(path)).GET();
        for (int i = 0; i < headers.length; i += 2) {
            request.header(headers[i], headers[i + 1]);
        }
        return client.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    public HttpResponse<String> post(String path, String body, String... headers) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri(path)).POST(HttpRequest.BodyPublishers.ofString(body))
                .header("Content-Type", "application/x-www-form-urlencoded");
        for (int i = 0; i < headers.length; i += 2) {
            request.header(headers[i], headers[i + 1]);
        }
        return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    public static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    @Override
    public void close() throws IOException {
        stop();
    }
}
