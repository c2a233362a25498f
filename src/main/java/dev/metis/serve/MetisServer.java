package dev.metis.serve;

import dev.metis.assets.AssetProbe;
import dev.metis.assets.AssetRoots;
import dev.metis.assets.AssetWatch;
import dev.metis.assets.FetchedFiles;
import dev.metis.boot.BootFiles;
import dev.metis.boot.SeedBindings;
import dev.metis.card.CardMaker;
import dev.metis.card.NodeImages;
import dev.metis.card.image.GoldenImages;
import dev.metis.dhcp.DhcpListener;
import dev.metis.dhcp.ProxyDhcpResponder;
import dev.metis.identity.PhoneHomeKeys;
import dev.metis.http.HttpLimits;
import dev.metis.http.HttpResponder;
import dev.metis.http.HttpRouter;
import dev.metis.http.TlsFiles;
import dev.metis.inventory.InvalidInputException;
import dev.metis.inventory.ResolvedNode;
import dev.metis.metrics.MetisMetrics;
import dev.metis.secrets.Secret;
import dev.metis.state.BurnCounts;
import dev.metis.state.BurnHistory;
import dev.metis.state.DiscoveredMac;
import dev.metis.state.NodeState;
import dev.metis.state.SeedBindingFile;
import dev.metis.state.SiteKeyFile;
import dev.metis.state.StateStore;
import dev.metis.transport.EventLoops;
import dev.metis.transport.DhcpTransport;
import dev.metis.transport.HttpTransport;
import dev.metis.transport.TftpTransport;
import dev.metis.served.ServedInventory;
import dev.metis.tftp.FileCache;
import dev.metis.tftp.PiFiles;
import dev.metis.tftp.RootFiles;
import dev.metis.tftp.TftpAccess;
import dev.metis.tftp.TftpLimits;
import dev.metis.tftp.TftpService;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** {@code metis serve}: wires inventory, state, metrics and the network services, and stops them. */
public final class MetisServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(MetisServer.class);

    /**
     * Everything {@code metis serve} can be told on its command line.
     *
     * @param httpLimits  timeouts and what one client may hold of HTTP
     * @param seedWindow  how long after its script was served a node may fetch its user-data
     * @param environment where Vault's address and credentials come from (the process environment)
     */
    public record Settings(Path inventory, Path stateDir, Path assets, Path tftpRoot, InetSocketAddress http,
            Https https, HttpLimits httpLimits, Secret adminToken, Duration reloadInterval, Duration seedWindow, Dhcp dhcp, Tftp tftp,
            Map<String, String> environment) {
    }

    /**
     * HTTPS settings: when enabled, everything is served over HTTPS at {@code address}, and plain HTTP
     * keeps only what booting machines fetch.
     */
    public record Https(boolean enabled, InetSocketAddress address, TlsFiles tls) {
        public static final Https OFF = new Https(false, null, null);
    }

    /** TFTP settings; the files come from {@code Settings.tftpRoot}. */
    public record Tftp(boolean enabled, InetSocketAddress address, TftpLimits limits) {
        public static final Tftp OFF = new Tftp(false, new InetSocketAddress(69));

        public Tftp(boolean enabled, InetSocketAddress address) {
            this(enabled, address, TftpLimits.DEFAULT);
        }
    }

    /**
     * Proxy-DHCP settings.
     *
     * @param interfaces interfaces to answer on; empty means every interface that is up with IPv4
     */
    public record Dhcp(boolean enabled, List<String> interfaces, int port, int pxePort) {
        public static final Dhcp OFF = new Dhcp(false, List.of(), 67, 4011);
    }

    private final MetisMetrics metrics = new MetisMetrics(MetricLabels.known());
    private final ServedInventory inventory;
    private final StateStore state;
    private final SeedBindings seeds;
    private final BootFiles bootFiles;
    private final HttpTransport http;
    private final DhcpTransport dhcp;
    private final TftpTransport tftp;
    private final ScheduledExecutorService reloader;
    private final FetchedFiles fetched;
    /** Installing nodes' images, each with its seed. */
    private final NodeImages nodeImages;
    private final ScheduledExecutorService assetChecks;

    private MetisServer(Settings settings, Clock clock) throws IOException, InvalidInputException, InterruptedException {
        PhoneHomeKeys phoneHomeKeys = new PhoneHomeKeys(SiteKeyFile.loadOrCreate(settings.stateDir()));
        inventory = ServedInventory.load(settings.inventory(), metrics, settings.environment(), phoneHomeKeys);
        try {
            state = StateStore.open(settings.stateDir(), clock, StateStore.DiscoveredLimits.DEFAULT, metrics::nodeEvent,
                    drop -> metrics.discoveredDropped(drop.label()));
        } catch (IOException | RuntimeException e) {
            inventory.close();
            throw e;
        }
        SeedBindingFile seedFile = new SeedBindingFile(settings.stateDir());
        seeds = new SeedBindings(seedFile.load(), clock, settings.seedWindow(), phoneHomeKeys, seedFile::save,
                new SeedBindings.Observer() {
                    @Override
                    public void refused(String file, SeedBindings.Reason reason) {
                        metrics.seedRefused(file, reason.label());
                    }

                    @Override
                    public void conflict() {
                        metrics.seedConflict();
                    }
                });
        bootFiles = new BootFiles(inventory, state, seeds);
        fetched = new FetchedFiles(AssetRoots.fetchedIn(settings.stateDir()), clock);
        AssetRoots roots = new AssetRoots(settings.assets(), fetched.dir(), GoldenImages.defaultCacheDir());
        AssetWatch assets = new AssetWatch(() -> inventory.current().inventory(), AssetProbe.serving(roots, fetched, clock,
                CardMaker::seedPlaceProblem));
        try {
            registerStateGauges();
            metrics.burns(List.of(BurnHistory.BURN, BurnHistory.IMAGE), List.of(BurnHistory.OK, BurnHistory.FAILED),
                    new BurnCounts(settings.stateDir())::count);
            List<HttpTransport.Listener> listeners = new ArrayList<>();
            listeners.add(new HttpTransport.Listener(settings.http(), Optional.empty()));
            if (settings.https().enabled()) {
                listeners.add(new HttpTransport.Listener(settings.https().address(), Optional.of(settings.https().tls())));
            }
            nodeImages = new NodeImages(settings.stateDir().resolve("install"), new GoldenImages(GoldenImages.defaultCacheDir()),
                    clock);
            HttpRouter.Services services = new HttpRouter.Services(inventory, state, seeds, bootFiles, nodeImages,
                    new BurnHistory(settings.stateDir()),
                    () -> Map.of("http", "up", "dhcp", settings.dhcp().enabled() ? "up" : "off"), assets, fetched, metrics);
            HttpRouter router = new HttpRouter(HttpRouter.table(services, settings.assets(), settings.tftpRoot()),
                    settings.https().enabled() ? OptionalInt.of(settings.https().address().getPort()) : OptionalInt.empty(),
                    settings.adminToken());
            http = HttpTransport.start(listeners, new HttpResponder(router, metrics), settings.httpLimits());
        } catch (IOException | RuntimeException | InterruptedException e) {
            fetched.close();
            state.close();
            inventory.close();
            throw e;
        }
        List<InetSocketAddress> bound = http.localAddresses();
        LOG.info("HTTP listening on {}{} ({} transport), {} nodes from {}, state in {}, seed window {}", bound.get(0),
                bound.size() > 1 ? ", HTTPS on " + bound.get(1) + " (API and metrics over HTTPS only)" : "",
                EventLoops.nativeEpoll() ? "epoll" : "nio", inventory.current().inventory().nodes().size(),
                settings.inventory(), settings.stateDir(), settings.seedWindow());
        DhcpTransport startedDhcp = null;
        try {
            startedDhcp = settings.dhcp().enabled() ? startDhcp(settings.dhcp()) : null;
            tftp = settings.tftp().enabled() ? startTftp(settings) : null;
        } catch (IOException | InterruptedException | RuntimeException e) {
            if (startedDhcp != null) {
                startedDhcp.close();
            }
            http.close();
            fetched.close();
            state.close();
            inventory.close();
            throw e;
        }
        dhcp = startedDhcp;
        reloader = daemonScheduler("metis-inventory-reload");
        long interval = settings.reloadInterval().toMillis();
        reloader.scheduleWithFixedDelay(inventory::reloadIfChanged, interval, interval, TimeUnit.MILLISECONDS);
        LOG.info("inventory reload watching {} every {} ms", settings.inventory(), interval);
        // Not on the reload thread: hashing a golden image or a HEAD that waits must not hold up a reload.
        assetChecks = daemonScheduler("metis-assets");
        assetChecks.scheduleWithFixedDelay(assets::recheck, 0, interval, TimeUnit.MILLISECONDS);
    }

    private static ScheduledExecutorService daemonScheduler(String name) {
        return Executors.newSingleThreadScheduledExecutor(r -> {
            Thread thread = new Thread(r, name);
            thread.setDaemon(true);
            return thread;
        });
    }

    private DhcpTransport startDhcp(Dhcp settings) throws IOException, InterruptedException {
        List<DhcpListener> listeners = DhcpTransport.listeners(settings.interfaces());
        DhcpTransport transport = DhcpTransport.start(listeners, settings.port(), settings.pxePort(),
                new ProxyDhcpResponder(() -> inventory.current().inventory(), state, seeds, metrics)::respond);
        LOG.info("proxy-DHCP listening on UDP {} and {} on {}", settings.port(), settings.pxePort(),
                listeners.stream().map(l -> l.interfaceName() + " (" + l.address() + ")").toList());
        return transport;
    }

    private TftpTransport startTftp(Settings settings) throws IOException, InterruptedException {
        FileCache cache = new FileCache(16L << 20, 128L << 20);
        TftpService service = new TftpService(new PiFiles(() -> inventory.current().inventory(), bootFiles,
                new RootFiles(settings.tftpRoot(), cache), cache));
        TftpTransport transport = TftpTransport.start(settings.tftp().address(), service, settings.tftp().limits(),
                new TftpAccess(metrics));
        LOG.info("TFTP listening on UDP {}, serving {}", transport.localAddress(), settings.tftpRoot());
        return transport;
    }

    public static MetisServer start(Settings settings) throws IOException, InvalidInputException, InterruptedException {
        return start(settings, Clock.systemUTC());
    }

    /** @param clock the time node events are stamped with and seed windows are measured by */
    public static MetisServer start(Settings settings, Clock clock)
            throws IOException, InvalidInputException, InterruptedException {
        return new MetisServer(settings, clock);
    }

    private void registerStateGauges() {
        for (NodeState nodeState : NodeState.values()) {
            metrics.nodesByState(nodeState.toString(), () -> {
                if (nodeState == NodeState.DISCOVERED) {
                    return DiscoveredMac.unknownTo(inventory.current().inventory(), state.discovered()).size();
                }
                long count = 0;
                for (ResolvedNode node : inventory.current().inventory().nodes()) {
                    if (state.status(node.name()).state() == nodeState) {
                        count++;
                    }
                }
                return count;
            });
        }
    }

    @Override
    public void close() throws IOException {
        reloader.shutdownNow();
        assetChecks.shutdownNow();
        fetched.close();
        nodeImages.close();
        if (dhcp != null) {
            dhcp.close();
        }
        if (tftp != null) {
            tftp.close();
        }
        http.close();
        state.close();
        inventory.close();
        LOG.info("stopped");
    }
}
