package dev.metis.testing;

import dev.metis.card.CardMaker;
import dev.metis.assets.AssetProbe;
import dev.metis.assets.AssetRoots;
import dev.metis.assets.AssetWatch;
import dev.metis.assets.FetchedFiles;
import dev.metis.boot.BootFiles;
import dev.metis.card.NodeImages;
import dev.metis.card.image.GoldenImages;
import dev.metis.http.HttpRequest;
import dev.metis.http.HttpResponse;
import dev.metis.http.HttpRouter;
import dev.metis.boot.SeedBindings;
import dev.metis.files.Sha256;
import dev.metis.identity.PhoneHomeKeys;
import dev.metis.metrics.MetisMetrics;
import dev.metis.secrets.Secret;
import dev.metis.serve.MetricLabels;
import dev.metis.served.ServedInventory;
import dev.metis.state.BurnHistory;
import dev.metis.state.StateStore;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The services behind the protocols, real and without any transport: an inventory of two netboot nodes and a Pi
 * with secrets from a file, node state in a temporary directory, seed bindings on a test clock. Requests
 * are plain records, so each HTTP handler is called directly, as matchbox tests its handlers.
 */
public final class NodeServices implements AutoCloseable {

    public static final String ADMIN = "routes-admin-token";
    public static final String CANARY = "CANARY-routes-7d1e";
    public static final String WEB1_MAC = "02:00:00:00:00:01";
    public static final String WEB1_IP = "192.0.2.21";
    public static final String PI_SERIAL = "1a2b3c4d";
    /** inst-1 installs its class's image: here bytes that are no disk image, which its install must say. */
    public static final String INSTALL_MAC = "02:00:00:00:00:04";
    public static final String INSTALL_IP = "192.0.2.24";
    public static final byte[] GOLDEN = "not a disk image".getBytes(StandardCharsets.UTF_8);
    public static final String GOLDEN_SHA256 = Sha256.hex(GOLDEN);
    /** The net class's initrd, given by URL and hash: in the fetched files' cache as an earlier fetch left it. */
    public static final byte[] FETCHED_INITRD = "an initrd fetched by URL".getBytes(StandardCharsets.UTF_8);
    public static final String FETCHED_INITRD_SHA256 = Sha256.hex(FETCHED_INITRD);
    private static final Pattern TOKEN = Pattern.compile("/(?:nocloud|install)/[^/]+/([^/]+)/");

    public final Path dir;
    public final TestClock clock = new TestClock(Instant.parse("2026-12-07T10:00:00Z"));
    public final PhoneHomeKeys keys = new PhoneHomeKeys(new byte[32]);
    public final ServedInventory inventory;
    public final StateStore state;
    public final SeedBindings seeds;
    public final BootFiles bootFiles;
    public final MetisMetrics metrics = new MetisMetrics(MetricLabels.known());
    public final Path assets;
    public final Path tftpRoot;
    public final FetchedFiles fetched;
    /** The look at the files nodes need; {@link AssetWatch#recheck} runs it, as serve's own thread does. */
    public final AssetWatch assetWatch;
    public final NodeImages nodeImages;
    private OptionalInt httpsPort = OptionalInt.empty();

    public NodeServices(Path dir) throws Exception {
        this.dir = dir;
        assets = Files.createDirectories(dir.resolve("assets/debian"));
        Files.writeString(assets.resolve("vmlinuz"), "0123456789");
        Files.writeString(dir.resolve("assets/kernel8.img"), "pi kernel");
        tftpRoot = Files.createDirectories(dir.resolve("tftp"));
        Files.createDirectories(dir.resolve("pi-firmware"));
        Files.writeString(tftpRoot.resolve("ipxe.efi"), "ipxe");
        Files.write(Files.createDirectories(dir.resolve("golden")).resolve("disk.img"), GOLDEN);
        Path recovery = Files.createDirectories(dir.resolve("assets/recovery"));
        Files.writeString(recovery.resolve("vmlinuz"), "recovery kernel");
        Files.writeString(recovery.resolve("initramfs.gz"), "recovery initramfs");
        Path secrets = InventoryFixture.write(dir, "secrets.yaml", "nodes:\n  web-1:\n    k3s_token: " + CANARY + "\n");
        Files.setPosixFilePermissions(secrets, PosixFilePermissions.fromString("rw-------"));
        Path file = InventoryFixture.write(dir, "inventory.yaml", InventoryFixture.site("secrets.yaml") + """
                classes:
                  net:
                    arch: amd64
                    delivery: netboot
                    netboot: {kernel: debian/vmlinuz, initrd: [{url: "http://mirror.invalid/fw.cpio", sha256: %s}], cmdline: console=ttyS0}
                    k3s: {role: agent}
                  pi:
                    arch: arm64
                    delivery: netboot
                    netboot: {kernel: kernel8.img, firmware_dir: pi-firmware}
                  disk:
                    arch: amd64
                    delivery: netboot
                    image: {path: golden/disk.img, sha256: %s}
                    install: {disk: /dev/vda}
                nodes:
                  web-1: {class: net, mac: %s, ip: %s/24}
                  web-2: {class: net, mac: 02:00:00:00:00:02, ip: 192.0.2.22/24}
                  pi-1: {class: pi, mac: 02:00:00:00:00:03, ip: 192.0.2.23/24, serial: %s}
                  inst-1: {class: disk, mac: %s, ip: %s/24}
                """.formatted(FETCHED_INITRD_SHA256, GOLDEN_SHA256, WEB1_MAC, WEB1_IP, PI_SERIAL, INSTALL_MAC, INSTALL_IP));
        inventory = ServedInventory.load(file, metrics, Map.of(), keys);
        state = StateStore.open(dir.resolve("state"), clock);
        seeds = new SeedBindings(List.of(), clock, Duration.ofMinutes(30), keys, saved -> {
        }, (seedFile, reason) -> {
        });
        bootFiles = new BootFiles(inventory, state, seeds);
        fetched = new FetchedFiles(AssetRoots.fetchedIn(dir.resolve("state")), clock);
        Files.createDirectories(fetched.dir());
        Files.write(fetched.dir().resolve(FETCHED_INITRD_SHA256), FETCHED_INITRD);
        AssetRoots roots = new AssetRoots(dir.resolve("assets"), fetched.dir(), dir.resolve("image-cache"));
        assetWatch = new AssetWatch(() -> inventory.current().inventory(), AssetProbe.serving(roots, fetched, clock,
                CardMaker::seedPlaceProblem));
        nodeImages = new NodeImages(dir.resolve("state/install"), new GoldenImages(dir.resolve("image-cache")), clock);
    }

    public NodeServices withHttps(int port) {
        httpsPort = OptionalInt.of(port);
        return this;
    }

    public HttpRouter router() {
        HttpRouter.Services services = new HttpRouter.Services(inventory, state, seeds, bootFiles, nodeImages,
                new BurnHistory(dir.resolve("state")), () -> Map.of("http", "up"), assetWatch, fetched, metrics);
        return new HttpRouter(HttpRouter.table(services, dir.resolve("assets"), tftpRoot), httpsPort, Secret.of(ADMIN));
    }

    public static HttpRequest get(String path, String from) {
        return request("GET", path, Map.of(), "", from);
    }

    public static HttpRequest request(String method, String path, Map<String, String> headers, String body, String from) {
        try {
            return new HttpRequest(method, path, headers, body.getBytes(StandardCharsets.UTF_8), InetAddress.getByName(from),
                    false);
        } catch (IOException e) {
            throw new IllegalArgumentException(from, e);
        }
    }

    public static String body(HttpResponse response) {
        return new String(response.body(), StandardCharsets.UTF_8);
    }

    /** The seed token a node's script or cmdline.txt carries in its seed URL. */
    public static String token(HttpResponse script) {
        Matcher found = TOKEN.matcher(body(script));
        if (!found.find()) {
            throw new AssertionError("no seed token in " + body(script));
        }
        return found.group(1);
    }

    @Override
    public void close() throws IOException {
        fetched.close();
        state.close();
        inventory.close();
    }
}
