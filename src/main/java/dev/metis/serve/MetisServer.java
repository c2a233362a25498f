package dev.metis.serve;

import dev.metis.http.HttpService;
import dev.metis.inventory.InvalidInputException;
import dev.metis.inventory.ResolvedNode;
import dev.metis.metrics.MetisMetrics;
import dev.metis.secrets.Secret;
import dev.metis.state.BurnCounts;
import dev.metis.state.NodeState;
import dev.metis.state.StateStore;
import dev.metis.transport.EventLoops;
import dev.metis.transport.DhcpTransport;
import dev.metis.transport.HttpTransport;
import dev.metis.transport.TftpTransport;
import dev.metis.tftp.FileCache;
import dev.metis.tftp.RootFiles;
import dev.metis.tftp.TftpService;
import dev.metis.tftp.TftpTransfer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
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
     * @param environment where Vault's address and credentials come from (the process environment)
     */
    public record Settings(Path inventory, Path stateDir, Path assets, Path tftpRoot, InetSocketAddress http,
            Secret adminToken, Duration reloadInterval, Dhcp dhcp, Tftp tftp, Map<String, String> environment) {
    }

    /** TFTP settings; the files come from {@code Settings.tftpRoot}. */
    public record Tftp(boolean enabled, InetSocketAddress address) {
        public static final Tftp OFF = new Tftp(false, new InetSocketAddress(69));
    }

    /**
     * Proxy-DHCP settings.
     *
     * @param interfaces interfaces to answer on; empty means every interface that is up with IPv4
     */
    public record Dhcp(boolean enabled, List<String> interfaces, int port, int pxePort) {
        public static final Dhcp OFF = new Dhcp(false, List.of(), 67, 4011);
    }

    private final MetisMetrics metrics = new MetisMetrics();
    private final ServedInventory inventory;
    private final StateStore state;
    private final HttpTransport http;
    private final DhcpTransport dhcp;
    private final TftpTransport tftp;
    private final ScheduledExecutorService reloader;

    private MetisServer(Settings settings) throws IOException, InvalidInputException, InterruptedException {
        inventory = ServedInventory.load(settings.inventory(), metrics, settings.environment());
        try {
            state = StateStore.open(settings.stateDir(), Clock.systemUTC(), metrics::nodeEvent);
        } catch (IOException | RuntimeException e) {
            inventory.close();
            throw e;
        }
        try {
            registerStateGauges();
            metrics.burns(new BurnCounts(settings.stateDir()));
            HttpService service = new HttpService(inventory, state, settings.assets(), settings.tftpRoot(),
                    settings.adminToken(), () -> Map.of("http", "up", "dhcp", settings.dhcp().enabled() ? "up" : "off"));
            http = HttpTransport.start(settings.http(), service, metrics);
        } catch (RuntimeException | InterruptedException e) {
            state.close();
            inventory.close();
            throw e;
        }
        LOG.info("HTTP listening on {} ({} transport), {} nodes from {}, state in {}", http.localAddress(),
                EventLoops.nativeEpoll() ? "epoll" : "nio", inventory.current().inventory().nodes().size(),
                settings.inventory(), settings.stateDir());
        DhcpTransport startedDhcp = null;
        try {
            startedDhcp = settings.dhcp().enabled() ? startDhcp(settings.dhcp()) : null;
            tftp = settings.tftp().enabled() ? startTftp(settings) : null;
        } catch (IOException | InterruptedException | RuntimeException e) {
            if (startedDhcp != null) {
                startedDhcp.close();
            }
            http.close();
            state.close();
            inventory.close();
            throw e;
        }
        dhcp = startedDhcp;
        reloader = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread thread = new Thread(r, "metis-inventory-reload");
            thread.setDaemon(true);
            return thread;
        });
        long interval = settings.reloadInterval().toMillis();
        reloader.scheduleWithFixedDelay(inventory::reloadIfChanged, interval, interval, TimeUnit.MILLISECONDS);
        LOG.info("inventory reload watching {} every {} ms", settings.inventory(), interval);
    }

    private DhcpTransport startDhcp(Dhcp settings) throws IOException, InterruptedException {
        List<DhcpTransport.Listener> listeners = DhcpTransport.listeners(settings.interfaces());
        DhcpTransport transport = DhcpTransport.start(listeners, settings.port(), settings.pxePort(),
                new ProxyDhcpResponder(inventory, state, metrics));
        LOG.info("proxy-DHCP listening on UDP {} and {} on {}", settings.port(), settings.pxePort(),
                listeners.stream().map(l -> l.interfaceName() + " (" + l.address() + ")").toList());
        return transport;
    }

    private TftpTransport startTftp(Settings settings) throws IOException, InterruptedException {
        FileCache cache = new FileCache(16L << 20, 128L << 20);
        TftpService service = new TftpService(new PiFiles(inventory, state, new RootFiles(settings.tftpRoot(), cache), cache));
        TftpTransport transport = TftpTransport.start(settings.tftp().address(), service, TftpTransport.Limits.DEFAULT,
                new TftpTransport.Observer() {
                    @Override
                    public void refused(String reason) {
                        metrics.tftpRefused(reason);
                    }

                    @Override
                    public void finished(TftpTransfer.Outcome outcome, long bytes) {
                        metrics.tftpFinished(outcome, bytes);
                    }
                });
        LOG.info("TFTP listening on UDP {}, serving {}", transport.localAddress(), settings.tftpRoot());
        return transport;
    }

    public static MetisServer start(Settings settings) throws IOException, InvalidInputException, InterruptedException {
        return new MetisServer(settings);
    }

    private void registerStateGauges() {
        for (NodeState nodeState : NodeState.values()) {
            metrics.nodesByState(nodeState.toString(), () -> {
                if (nodeState == NodeState.DISCOVERED) {
                    return state.discovered().stream().filter(d -> inventory.current().inventory()
                            .nodeByMac(dev.metis.net.MacAddress.parse(d.mac())).isEmpty()).count();
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
