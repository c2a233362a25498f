package dev.metis.fuzz;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import dev.metis.card.CardMaker;
import dev.metis.assets.AssetProbe;
import dev.metis.assets.AssetRoots;
import dev.metis.assets.AssetWatch;
import dev.metis.assets.FetchedFiles;
import dev.metis.boot.BootFiles;
import dev.metis.card.NodeImages;
import dev.metis.card.image.GoldenImages;
import dev.metis.boot.SeedBindings;
import dev.metis.identity.PhoneHomeKeys;
import dev.metis.http.HttpRequest;
import dev.metis.http.HttpResponse;
import dev.metis.http.HttpRouter;
import dev.metis.metrics.MetisMetrics;
import dev.metis.secrets.Secret;
import dev.metis.serve.MetricLabels;
import dev.metis.served.ServedInventory;
import dev.metis.state.BurnHistory;
import dev.metis.state.StateStore;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.OptionalInt;
import java.util.Map;

/**
 * Any request line and path against every route of the HTTP service, over the example inventory, with
 * boot assets that include a symlink out of the served root. The service must answer (never throw), with
 * a known status, and a file it serves must lie inside the assets or TFTP root.
 */
public final class HttpPathFuzzer {

    private static final String[] METHODS = {"GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "get", ""};
    private static final HttpRouter ROUTER;
    private static final Path ASSETS;
    private static final Path TFTP;
    static {
        try {
            Path dir = Files.createTempDirectory("metis-fuzz-http").toRealPath();
            ASSETS = Files.createDirectories(dir.resolve("assets/debian-12"));
            Files.writeString(ASSETS.resolve("vmlinuz"), "kernel");
            Files.writeString(dir.resolve("outside-secret.txt"), "must never be served");
            Files.createSymbolicLink(ASSETS.resolve("escape"), dir.resolve("outside-secret.txt"));
            TFTP = Files.createDirectories(dir.resolve("tftp"));
            Files.writeString(TFTP.resolve("ipxe.efi"), "ipxe");
            PhoneHomeKeys keys = new PhoneHomeKeys(new byte[32]);
            MetisMetrics metrics = new MetisMetrics(MetricLabels.known());
            ServedInventory inventory = ServedInventory.load(Path.of("deploy/example/inventory.yaml"), metrics, Map.of(),
                    keys);
            SeedBindings bindings = new SeedBindings(List.of(), Clock.systemUTC(), Duration.ofMinutes(30), keys, saved -> {
            }, (binding, refusal) -> {
            });
            StateStore state = StateStore.open(dir.resolve("state"), Clock.systemUTC());
            FetchedFiles fetched = new FetchedFiles(AssetRoots.fetchedIn(dir.resolve("state")), Clock.systemUTC());
            AssetRoots roots = new AssetRoots(dir.resolve("assets"), fetched.dir(), dir.resolve("image-cache"));
            HttpRouter.Services services = new HttpRouter.Services(inventory, state, bindings,
                    new BootFiles(inventory, state, bindings),
                    new NodeImages(dir.resolve("state/install"), new GoldenImages(dir.resolve("image-cache")), Clock.systemUTC()),
                    new BurnHistory(dir.resolve("state")), Map::of,
                    new AssetWatch(() -> inventory.current().inventory(), AssetProbe.serving(roots, fetched, Clock.systemUTC(),
                            CardMaker::seedPlaceProblem)),
                    fetched, metrics);
            ROUTER = new HttpRouter(HttpRouter.table(services, dir.resolve("assets"), TFTP), OptionalInt.empty(),
                    Secret.of("fuzz-admin-token"));
        } catch (Exception e) {
            throw new IllegalStateException("fuzzing fixture: " + e.getMessage(), e);
        }
    }

    private HttpPathFuzzer() {
    }

    public static void fuzzerTestOneInput(FuzzedDataProvider data) {
        String method = data.pickValue(METHODS);
        String path = data.consumeString(400);
        boolean authorized = data.consumeBoolean();
        boolean secure = data.consumeBoolean();
        byte[] body = data.consumeRemainingAsString().getBytes(StandardCharsets.UTF_8);
        Map<String, String> headers = authorized ? Map.of("authorization", "Bearer fuzz-admin-token") : Map.of();
        HttpRequest request = new HttpRequest(method, path, headers, body, InetAddress.getLoopbackAddress(), secure);
        ROUTER.mayWait(request);
        ROUTER.loggable(path);
        HttpResponse response = ROUTER.answer(request);
        if (response.status() < 200 || response.status() > 503) {
            throw new IllegalStateException("status " + response.status() + " for " + method + " " + path);
        }
        if (response.file() != null && !response.file().startsWith(ASSETS.getParent()) && !response.file().startsWith(TFTP)) {
            throw new IllegalStateException(path + " served " + response.file() + ", outside the served roots");
        }
    }
}
