package dev.metis.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;
import java.util.function.ToLongBiFunction;

/**
 * Every metric Metis exports, named by Prometheus conventions: {@code metis_} prefix, unit in the
 * name, {@code _total} on counters. Counters are cached per label set so the hot path does no lookups; those
 * whose labels are known in advance are exported from the start at 0, so dashboards and alerts see a series
 * before its first event. Takes plain labels: callers name their domain values.
 */
public final class MetisMetrics {

    /**
     * The label values exported from the start, taken from the types that own them.
     *
     * @param dhcpPorts       the sockets proxy-DHCP listens on ({@code dhcp}, {@code pxe})
     * @param tftpOutcomes    how a TFTP transfer may end
     * @param vaultFailures   why a read from Vault may fail
     * @param nodeEvents      the events a node's journal records
     * @param discoveredDrops why an unknown MAC may be dropped
     * @param seedFiles       what a seed binding may refuse: the files and phone-home
     * @param seedRefusals    why a seed binding may refuse
     */
    public record KnownLabels(List<String> dhcpPorts, List<String> tftpOutcomes, List<String> vaultFailures,
            List<String> nodeEvents, List<String> discoveredDrops, List<String> seedFiles, List<String> seedRefusals) {
    }

    /** What became of a DHCP datagram. */
    public enum DhcpResult { ANSWERED, IGNORED, MALFORMED }

    /** Why the HTTP server closed a connection on its own. */
    public enum HttpClose {
        /** refused at accept: its address had as many connections open as one client may */
        PER_CLIENT_LIMIT,
        /** a request began to arrive but was not whole in time */
        REQUEST_TIMEOUT,
        /** no traffic for the idle timeout between requests */
        IDLE,
        /** answers waiting to be sent made no progress for the idle timeout */
        NOT_READING
    }

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final Map<String, Counter> httpRequests = new ConcurrentHashMap<>();
    private final Map<String, Counter> httpBytes = new ConcurrentHashMap<>();
    private final Map<HttpClose, Counter> httpCloses = new ConcurrentHashMap<>();
    private final Map<String, Counter> dhcpRequests = new ConcurrentHashMap<>();
    private final Map<String, Counter> tftpRequests = new ConcurrentHashMap<>();
    private final Map<String, Counter> seedRefusals = new ConcurrentHashMap<>();
    private final Counter seedConflicts;
    private final Counter tftpBytes;
    private final Counter tftpRetransmitted;
    private final Counter reloadsOk;
    private final Counter reloadsFailed;
    private final Counter vaultRequests;
    private final Counter vaultReused;
    private final Map<String, Counter> vaultFailures = new ConcurrentHashMap<>();
    private final Map<String, Counter> nodeEvents = new ConcurrentHashMap<>();
    private final Map<String, Counter> discoveredDrops = new ConcurrentHashMap<>();
    /** Micrometer holds what a function counter reads only weakly: kept here, it lives as long as the metrics. */
    private final List<Object> readWhenScraped = new CopyOnWriteArrayList<>();

    public MetisMetrics(KnownLabels known) {
        seedConflicts = Counter.builder("metis.seed.conflicts")
                .description("Times another address claimed a node's MAC after its user-data was fetched")
                .register(registry);
        tftpBytes = Counter.builder("metis.tftp.sent").baseUnit("bytes")
                .description("File bytes sent by completed TFTP transfers").register(registry);
        tftpRetransmitted = Counter.builder("metis.tftp.retransmitted.packets")
                .description("TFTP packets sent again after a timeout (lost, or the client slower than the timer)")
                .register(registry);
        reloadsOk = Counter.builder("metis.inventory.reloads").tag("result", "success")
                .description("Inventory reloads after a file change").register(registry);
        reloadsFailed = Counter.builder("metis.inventory.reloads").tag("result", "failure")
                .description("Inventory reloads after a file change").register(registry);
        vaultRequests = Counter.builder("metis.vault.requests")
                .description("Secret reads sent to Vault").register(registry);
        vaultReused = Counter.builder("metis.vault.cache.hits")
                .description("Secret lookups answered without a Vault request (cached, or joined one under way)")
                .register(registry);
        for (HttpClose reason : HttpClose.values()) {
            httpCloseCounter(reason);
        }
        for (String port : known.dhcpPorts()) {
            for (DhcpResult result : DhcpResult.values()) {
                dhcpCounter(port, result);
            }
        }
        known.tftpOutcomes().forEach(this::tftpCounter);
        known.vaultFailures().forEach(this::vaultFailureCounter);
        known.nodeEvents().forEach(this::nodeEventCounter);
        known.discoveredDrops().forEach(this::discoveredDropCounter);
        for (String file : known.seedFiles()) {
            for (String reason : known.seedRefusals()) {
                seedRefusalCounter(file, reason);
            }
        }
    }

    public MeterRegistry registry() {
        return registry;
    }

    /** The Prometheus text exposition. */
    public String scrape() {
        return registry.scrape();
    }

    public String scrapeContentType() {
        return "text/plain; version=0.0.4; charset=utf-8";
    }

    public void httpRequest(String route, int status, long bytes) {
        String key = route + ' ' + status;
        httpRequests.computeIfAbsent(key, k -> Counter.builder("metis.http.requests")
                .description("HTTP requests answered, by route and status")
                .tags("route", route, "status", Integer.toString(status)).register(registry)).increment();
        if (bytes > 0) {
            httpBytes.computeIfAbsent(route, r -> Counter.builder("metis.http.sent").baseUnit("bytes")
                    .description("HTTP response body bytes sent, by route")
                    .tag("route", route).register(registry)).increment(bytes);
        }
    }

    public void httpClosed(HttpClose reason) {
        httpCloseCounter(reason).increment();
    }

    private Counter httpCloseCounter(HttpClose reason) {
        return httpCloses.computeIfAbsent(reason, r -> Counter.builder("metis.http.connections.closed")
                .description("HTTP connections the server closed on its own, by reason")
                .tag("reason", label(r)).register(registry));
    }

    /** @param port the socket the datagram came in on ({@code dhcp}, {@code pxe}) */
    public void dhcpRequest(String port, DhcpResult result) {
        dhcpCounter(port, result).increment();
    }

    private Counter dhcpCounter(String port, DhcpResult result) {
        return dhcpRequests.computeIfAbsent(port + " " + result, k -> Counter.builder("metis.dhcp.requests")
                .description("DHCP datagrams received, by port (dhcp 67, pxe 4011) and what was done")
                .tags("port", port, "result", label(result)).register(registry));
    }

    /** @param reason why a TFTP request was not served (not found, busy, write request, ...) */
    public void tftpRefused(String reason) {
        String kind = reason.startsWith("mode ") ? "mode" : reason.length() > 32 ? "denied" : reason;
        tftpRequests.computeIfAbsent("refused " + kind, k -> Counter.builder("metis.tftp.requests")
                .description("TFTP requests, by what became of them")
                .tags("result", "refused", "reason", kind).register(registry)).increment();
    }

    /** @param outcome how the transfer ended ({@code complete}, {@code timed_out}, ...) */
    public void tftpFinished(String outcome, long bytes, long retransmittedPackets) {
        tftpCounter(outcome).increment();
        if (bytes > 0) {
            tftpBytes.increment(bytes);
        }
        tftpRetransmitted.increment(retransmittedPackets);
    }

    private Counter tftpCounter(String outcome) {
        return tftpRequests.computeIfAbsent("served " + outcome, k -> Counter.builder("metis.tftp.requests")
                .description("TFTP requests, by what became of them")
                .tags("result", outcome, "reason", "").register(registry));
    }

    public void inventoryReload(boolean success) {
        (success ? reloadsOk : reloadsFailed).increment();
    }

    /** A secret read from Vault came back; a failure is counted by its reason. */
    public void vaultRead(Optional<String> failure) {
        vaultRequests.increment();
        failure.ifPresent(reason -> vaultFailureCounter(reason).increment());
    }

    private Counter vaultFailureCounter(String reason) {
        return vaultFailures.computeIfAbsent(reason, r -> Counter.builder("metis.vault.failures")
                .description("Secret reads from Vault that failed, by reason")
                .tag("reason", r).register(registry));
    }

    public void vaultReused() {
        vaultReused.increment();
    }

    /**
     * A node's script, user-data or phone-home refused by its seed binding.
     *
     * @param file   {@code ipxe}, {@code cmdline.txt}, {@code user-data} or {@code phone-home}
     * @param reason why ({@code no-token}, {@code expired}, ...)
     */
    public void seedRefused(String file, String reason) {
        seedRefusalCounter(file, reason).increment();
    }

    /** Another address claimed a node's MAC after its user-data was fetched. */
    public void seedConflict() {
        seedConflicts.increment();
    }

    private Counter seedRefusalCounter(String file, String reason) {
        return seedRefusals.computeIfAbsent(file + ' ' + reason, k -> Counter.builder("metis.seed.refusals")
                .description("Scripts and user-data refused by the seed binding, by file and reason")
                .tags("file", file, "reason", reason).register(registry));
    }

    /** Nodes per provisioning state, read when scraped. */
    public void nodesByState(String state, Supplier<Number> count) {
        Gauge.builder("metis.nodes", count).description("Inventory nodes and discovered MACs by state")
                .tag("state", state).register(registry);
    }

    /** @param event a node event as journaled ({@code script}, {@code seed}, ...) */
    public void nodeEvent(String event) {
        nodeEventCounter(event).increment();
    }

    private Counter nodeEventCounter(String event) {
        return nodeEvents.computeIfAbsent(event, e -> Counter.builder("metis.node.events")
                .description("Node events journaled: script and seed served, exit to disk, phone-home, rearmed, "
                        + "discovered (unknown MAC); a repeat within a minute is one event")
                .tag("event", e).register(registry));
    }

    /** An unknown MAC, or a sighting of a new one, that the state store dropped to stay within its limits. */
    public void discoveredDropped(String reason) {
        discoveredDropCounter(reason).increment();
    }

    private Counter discoveredDropCounter(String reason) {
        return discoveredDrops.computeIfAbsent(reason, r -> Counter.builder("metis.discovered.dropped")
                .description("Unknown MACs not recorded or forgotten, by reason: rate-limited (a new MAC while "
                        + "sightings came faster than they are written), full (the one seen longest ago, for a new "
                        + "one), expired (not seen for a week)")
                .tag("reason", r).register(registry));
    }

    /**
     * SD cards burned and images written by {@code metis burn} and {@code metis image}, from their history file.
     *
     * @param counts the runs recorded by kind and result, read when scraped
     */
    public void burns(List<String> kinds, List<String> results, ToLongBiFunction<String, String> counts) {
        readWhenScraped.add(counts);
        for (String kind : kinds) {
            for (String result : results) {
                FunctionCounter.builder("metis.burns", counts, c -> c.applyAsLong(kind, result))
                        .description("Cards burned (kind burn) and image files written (kind image) by the card "
                                + "commands, by result, as recorded in the state directory's burns.jsonl")
                        .tags("kind", kind, "result", result).register(registry);
            }
        }
    }

    private static String label(Enum<?> value) {
        return value.name().toLowerCase(Locale.ROOT);
    }
}
