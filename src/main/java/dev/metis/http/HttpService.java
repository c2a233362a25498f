package dev.metis.http;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.metis.boot.BootDecision;
import dev.metis.boot.BootPolicy;
import dev.metis.boot.SeedBindings;
import dev.metis.files.SafePath;
import dev.metis.identity.Artifact;
import dev.metis.identity.BootScripts;
import dev.metis.identity.ConfigView;
import dev.metis.identity.IdentityException;
import dev.metis.identity.NodeIdentity;
import dev.metis.inventory.ResolvedNode;
import dev.metis.inventory.Site;
import dev.metis.net.MacAddress;
import dev.metis.secrets.LeakGuard;
import dev.metis.secrets.NodeSecrets;
import dev.metis.secrets.Secret;
import dev.metis.secrets.SecretUnavailableException;
import dev.metis.serve.ServedInventory;
import dev.metis.state.BurnHistory;
import dev.metis.state.DiscoveredMac;
import dev.metis.state.NodeState;
import dev.metis.state.NodeStatus;
import dev.metis.state.StateStore;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every HTTP route of {@code metis serve}: decides the answer from the request, the served inventory
 * and the node state. It knows nothing of Netty; the transport turns its answers into bytes on a socket.
 */
public final class HttpService {

    private static final Logger LOG = LoggerFactory.getLogger(HttpService.class);
    private static final String IPXE = "text/plain; charset=utf-8";
    private static final String JSON_TYPE = "application/json";
    private static final String SEED_ROUTE = "/nocloud/{mac}/{file}";
    private static final String TOKEN_SEED_ROUTE = "/nocloud/{mac}/{token}/{file}";
    private static final String PHONE_HOME_ROUTE = "/phone-home/{mac}/{key}";
    private static final ObjectMapper JSON = new ObjectMapper().registerModule(new JavaTimeModule())
            .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .setSerializationInclusion(JsonInclude.Include.NON_NULL);

    /**
     * What firmware and installers fetch, over plain HTTP since iPXE, UEFI HTTP boot and cloud-init in
     * an installer cannot be given a CA; with TLS on, the plain listener serves these and /healthz only.
     */
    private static final Set<String> PLAIN_ROUTES = Set.of("boot.ipxe", "ipxe", "nocloud", "assets", "tftp",
            "phone-home", "healthz");
    /** A seed URL with its token, as access logs must not print it: /nocloud/{mac}/{token}/{file}. */
    /** How many recent burns {@code /api/v1/burns} answers with. */
    private static final int RECENT_BURNS = 50;
    /** The web page's own files, all in the jar under {@code web/}: a flat set of names, no paths. */
    private static final Pattern WEB_FILE = Pattern.compile("[a-z0-9-]+\\.(html|css|js)");
    private static final Map<String, String> WEB_TYPES = Map.of("html", "text/html; charset=utf-8",
            "css", "text/css; charset=utf-8", "js", "text/javascript; charset=utf-8");
    /**
     * The page loads its own script and style only: no inline script, no other origin, no framing. It
     * holds the admin token while re-arming, so nothing injected may run beside it.
     */
    private static final String WEB_POLICY = "default-src 'self'; base-uri 'none'; form-action 'none'; "
            + "frame-ancestors 'none'";
    private static final Pattern TOKEN_IN_PATH = Pattern.compile("^(/+nocloud/+[^/?]+/+)([^/?]+)(/+[^/?]+/*(?:\\?.*)?)$");
    /** A phone-home URL with its key, as access logs must not print it: /phone-home/{mac}/{key}. */
    private static final Pattern KEY_IN_PATH = Pattern.compile("^(/+phone-home/+[^/?]+/+)([^/?]+)(/*(?:\\?.*)?)$");

    private final ServedInventory inventory;
    private final StateStore state;
    private final SeedBindings seeds;
    private final Path assets;
    private final Path tftpRoot;
    private final Secret adminToken;
    private final BurnHistory burns;
    private final OptionalInt httpsPort;
    private final Health health;

    /** What {@code /healthz} reports beyond "up"; the server wires in its own checks. */
    public interface Health {
        Map<String, Object> details();
    }

    /**
     * @param tftpRoot  the iPXE binaries, also served over HTTP at {@code /tftp/} for UEFI HTTP boot
     * @param burns     the cards and images made, for {@code /api/v1/burns}
     * @param httpsPort where HTTPS listens, when TLS is on: then plain HTTP serves only what booting
     *                  machines fetch, and refuses the API and metrics with a pointer to HTTPS
     */
    public HttpService(ServedInventory inventory, StateStore state, SeedBindings seeds, Path assets, Path tftpRoot,
            Secret adminToken, BurnHistory burns, OptionalInt httpsPort, Health health) {
        this.inventory = inventory;
        this.state = state;
        this.seeds = seeds;
        this.assets = assets;
        this.tftpRoot = tftpRoot;
        this.adminToken = adminToken;
        this.burns = burns;
        this.httpsPort = httpsPort;
        this.health = health;
    }

    public HttpResponse handle(HttpRequest request, MetricsView metrics) {
        Optional<List<String>> decoded = decodePath(request.path());
        if (decoded.isEmpty()) {
            return error("bad-path", 400, "malformed path");
        }
        List<String> p = decoded.get();
        String method = request.method();
        boolean read = method.equals("GET") || method.equals("HEAD");
        if (httpsPort.isPresent() && !request.secure() && (p.isEmpty() || !PLAIN_ROUTES.contains(p.get(0)))) {
            return error("https-only", 403, "served over HTTPS only, on port " + httpsPort.getAsInt());
        }
        try {
            if (p.isEmpty()) {
                return read ? head(request, web("/", "index.html")) : notAllowed("/", "GET, HEAD");
            }
            if (p.size() == 2 && p.get(0).equals("web")) {
                return read ? head(request, web("/web/{file}", p.get(1))) : notAllowed("/web/{file}", "GET, HEAD");
            }
            if (p.size() == 1 && p.get(0).equals("healthz")) {
                return read ? head(request, healthz()) : notAllowed("/healthz", "GET, HEAD");
            }
            if (p.size() == 1 && p.get(0).equals("metrics")) {
                return read ? head(request, HttpResponse.text("/metrics", 200, metrics.contentType(), metrics.scrape()))
                        : notAllowed("/metrics", "GET, HEAD");
            }
            if (p.size() == 1 && p.get(0).equals("boot.ipxe")) {
                return read ? head(request, HttpResponse.bytes("/boot.ipxe", 200, IPXE,
                        BootScripts.chain(inventory.current().inventory().site().serverUrl())))
                        : notAllowed("/boot.ipxe", "GET, HEAD");
            }
            if (p.size() == 2 && p.get(0).equals("ipxe")) {
                return read ? head(request, nodeScript(p.get(1), request)) : notAllowed("/ipxe/{mac}", "GET, HEAD");
            }
            if (p.size() == 3 && p.get(0).equals("nocloud")) {
                return read ? head(request, seedFile(p.get(1), null, p.get(2), request))
                        : notAllowed(SEED_ROUTE, "GET, HEAD");
            }
            if (p.size() == 4 && p.get(0).equals("nocloud")) {
                return read ? head(request, seedFile(p.get(1), p.get(2), p.get(3), request))
                        : notAllowed(TOKEN_SEED_ROUTE, "GET, HEAD");
            }
            if (!p.isEmpty() && p.get(0).equals("assets")) {
                return read ? file(request, "/assets", assets, p.subList(1, p.size())) : notAllowed("/assets", "GET, HEAD");
            }
            if (!p.isEmpty() && p.get(0).equals("tftp")) {
                return read ? file(request, "/tftp", tftpRoot, p.subList(1, p.size())) : notAllowed("/tftp", "GET, HEAD");
            }
            if ((p.size() == 2 || p.size() == 3) && p.get(0).equals("phone-home")) {
                return method.equals("POST") ? phoneHome(p.get(1), p.size() == 3 ? p.get(2) : null, request)
                        : notAllowed(PHONE_HOME_ROUTE, "POST");
            }
            if (p.size() >= 3 && p.get(0).equals("api") && p.get(1).equals("v1")) {
                return api(request, p.subList(2, p.size()));
            }
            return error("unknown", 404, "no such route: " + request.path());
        } catch (Refused e) {
            return e.response;
        } catch (SecretUnavailableException e) {
            return error(routeOf(p), 503, e.getMessage());
        } catch (IdentityException e) {
            LOG.warn("{} {}: {}", method, loggable(request.path()), e.getMessage());
            return error(routeOf(p), 500, e.getMessage());
        } catch (IOException e) {
            LOG.error("{} {}: {}", method, loggable(request.path()), e.toString());
            return error(routeOf(p), 500, "internal error");
        }
    }

    /**
     * Whether answering may wait for the secret source (Vault): a node's script, its user-data and its
     * config (which names its secrets). The transport answers these off its event loop so that a slow
     * Vault cannot stall other requests.
     */
    public static boolean mayWait(HttpRequest request) {
        List<String> p = decodePath(request.path()).orElse(List.of());
        return (p.size() == 2 && p.get(0).equals("ipxe")) || (p.size() == 5 && p.get(0).equals("api")
                && p.get(2).equals("nodes") && p.get(4).equals("config")) || ((p.size() == 3 || p.size() == 4) && p.get(0).equals("nocloud")
                && Artifact.byFileName(p.get(p.size() - 1)).map(Artifact::carriesSecrets).orElse(false));
    }

    /**
     * A request path or URI as logs may show it: a seed token or phone-home key is cut to its
     * {@link SeedBindings#hint}.
     */
    public static String loggable(String uri) {
        for (Pattern secretInPath : List.of(TOKEN_IN_PATH, KEY_IN_PATH)) {
            Matcher found = secretInPath.matcher(uri);
            if (found.matches()) {
                return found.group(1) + SeedBindings.hint(found.group(2)) + found.group(3);
            }
        }
        return uri;
    }

    /** Scrape access for {@code /metrics}, supplied by the server that owns the registry. */
    public interface MetricsView {
        String scrape();

        String contentType();
    }

    /**
     * Always 200 while the server runs: "degraded" (some node's secrets failed at their last lookup)
     * still serves everything else, so a readiness probe should not take the server out of service.
     */
    private HttpResponse healthz() throws JsonProcessingException {
        ServedInventory.Generation current = inventory.current();
        Map<String, String> failing = current.failingSecrets();
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("status", failing.isEmpty() ? "ok" : "degraded");
        body.put("inventory_generation", current.number());
        body.put("nodes", current.inventory().nodes().size());
        body.putAll(health.details());
        Map<String, Object> secrets = new LinkedHashMap<>();
        secrets.put("status", failing.isEmpty() ? "ok" : "failing");
        if (!failing.isEmpty()) {
            secrets.put("nodes", failing);
        }
        body.put("secrets", secrets);
        return json("/healthz", 200, body);
    }

    private HttpResponse nodeScript(String macText, HttpRequest request) throws SecretUnavailableException, Refused {
        String route = "/ipxe/{mac}";
        MacAddress mac = requireMac(route, macText);
        ServedInventory.Generation current = inventory.current();
        Optional<ResolvedNode> node = current.inventory().nodeByMac(mac);
        String from = request.remote().getHostAddress();
        BootDecision decision = BootPolicy.decide(node, node.map(n -> state.status(n.name())).orElse(NodeStatus.NEW));
        if (decision instanceof BootDecision.Provision provision) {
            // The script does not carry secrets, but it starts an installation that needs them: without
            // them the node gets 503, its chain script exits, and it boots from its disk instead.
            NodeIdentity identity = current.identity(provision.node());
            if (identity.bytes(Artifact.IPXE).length == 0) {
                return HttpResponse.bytes(route, 200, IPXE,
                        BootScripts.exitToDisk("node " + provision.node().name() + " has no netboot kernel"));
            }
            SeedBindings.Issued issued = seeds.issue(provision.node(), Artifact.IPXE.fileName(), request.remote());
            if (issued.token() == null) {
                return error(route, 403, issued.explanation(provision.node().name()));
            }
            state.scriptServed(provision.node().name(), identity.configHash(), from);
            return HttpResponse.bytes(route, 200, IPXE, current.bootFile(provision.node(), Artifact.IPXE, issued.token()));
        }
        BootDecision.LocalDisk disk = (BootDecision.LocalDisk) decision;
        if (disk.node() != null) {
            state.exitServed(disk.node().name(), from);
        } else if (current.inventory().site().unknownMacsOrDefault() == Site.UnknownMacs.DISCOVER) {
            state.discoveredMac(mac.toString(), from);
        }
        return HttpResponse.bytes(route, 200, IPXE, BootScripts.exitToDisk(disk.reason()));
    }

    /**
     * A file of the node's seed. Those without secrets are served to anyone, under the seed URL with or
     * without a token; user-data only as its seed binding allows, checked before the secrets are read.
     *
     * @param token the seed token from the URL, null under the URL without one
     */
    private HttpResponse seedFile(String macText, String token, String fileName, HttpRequest request)
            throws SecretUnavailableException, Refused {
        String route = token == null ? SEED_ROUTE : TOKEN_SEED_ROUTE;
        MacAddress mac = requireMac(route, macText);
        Optional<Artifact> artifact = Artifact.byFileName(fileName).filter(Artifact::isSeedFile);
        if (artifact.isEmpty()) {
            return error(route, 404, "no seed file " + fileName + " (meta-data, user-data, vendor-data, network-config)");
        }
        ServedInventory.Generation current = inventory.current();
        ResolvedNode node = requireNode(route, current, mac);
        if (!artifact.get().carriesSecrets()) {
            return HttpResponse.bytes(route, 200, artifact.get().contentType(),
                    current.publicIdentity(node).bytes(artifact.get()));
        }
        Optional<SeedBindings.Reason> refused = seeds.checkUserData(node, state.status(node.name()), token,
                request.remote());
        if (refused.isPresent()) {
            return error(route, 403, "user-data goes only to the booting node, with the seed token of its script, "
                    + "from its address (" + refused.get().label() + ")");
        }
        NodeIdentity identity = current.identity(node);
        state.seedServed(node.name(), identity.configHash(), request.remote().getHostAddress());
        return HttpResponse.bytes(route, 200, artifact.get().contentType(), identity.bytes(artifact.get()));
    }

    private HttpResponse file(HttpRequest request, String route, Path root, List<String> segments) throws IOException {
        Optional<SafePath.Resolved> resolved = SafePath.resolve(root, String.join("/", segments));
        if (resolved.isEmpty()) {
            return error(route, 404, "no such file");
        }
        Path file = resolved.get().path();
        long size = resolved.get().attributes().size();
        String lastModified = DateTimeFormatter.RFC_1123_DATE_TIME.format(
                resolved.get().attributes().lastModifiedTime().toInstant().atOffset(ZoneOffset.UTC));
        ByteRange.Parsed range = ByteRange.parse(request.header("range"), size);
        HttpResponse response;
        if (range instanceof ByteRange.Unsatisfiable) {
            return error(route, 416, "range not satisfiable").withHeader("content-range", "bytes */" + size);
        } else if (range instanceof ByteRange.Partial partial) {
            ByteRange r = partial.range();
            response = new HttpResponse(route, 206, "application/octet-stream", Map.of(
                    "content-range", "bytes " + r.first() + "-" + r.last() + "/" + size), null, file,
                    r.first(), r.length(), false);
        } else {
            response = new HttpResponse(route, 200, "application/octet-stream", Map.of(), null, file, 0, size, false);
        }
        response = response.withHeader("accept-ranges", "bytes").withHeader("last-modified", lastModified);
        return request.method().equals("HEAD") ? response.withoutBody() : response;
    }

    /** @param key the node's phone-home key from the URL, null when it had none */
    private HttpResponse phoneHome(String macText, String key, HttpRequest request) throws IOException, Refused {
        String route = PHONE_HOME_ROUTE;
        MacAddress mac = requireMac(route, macText);
        ServedInventory.Generation current = inventory.current();
        ResolvedNode node = requireNode(route, current, mac);
        Optional<SeedBindings.Reason> refused = seeds.phoneHome(node, key, request.remote());
        if (refused.isPresent()) {
            return error(route, 403, "phone-home of node " + node.name() + " refused (" + refused.get().label()
                    + "): only the holder of the node's seed may report it provisioned");
        }
        Map<String, String> form = form(request.body());
        String reported = form.get("instance_id");
        NodeIdentity identity = current.publicIdentity(node);
        NodeStatus before = state.status(node.name());
        String hash = provisionedHash(reported, identity, before);
        NodeStatus after = state.phoneHome(node.name(), hash, request.remote().getHostAddress());
        LOG.info("node {} phoned home from {}: provisioned with config {}", node.name(),
                request.remote().getHostAddress(), hash);
        return json(route, 200, nodeJson(current, node, after));
    }

    /**
     * The config the node says it applied: matched through its instance-id against the current config
     * or the one last served; an instance-id matching neither is kept as reported (and shows as drift).
     */
    private static String provisionedHash(String reportedInstanceId, NodeIdentity current, NodeStatus before) {
        if (reportedInstanceId == null || reportedInstanceId.equals(current.instanceId())) {
            return reportedInstanceId == null && before.servedHash() != null ? before.servedHash() : current.configHash();
        }
        if (before.servedHash() != null && reportedInstanceId.equals("metis-" + before.servedHash().substring(0, 16))) {
            return before.servedHash();
        }
        return "instance-id:" + reportedInstanceId;
    }

    /**
     * The API under {@code /api/v1/}: reading is open (no secret, no seed token is in it), every other
     * method needs the admin token, checked before the route, so that a route added later cannot forget it.
     */
    private HttpResponse api(HttpRequest request, List<String> rest) throws IOException {
        String method = request.method();
        if (!method.equals("GET") && !method.equals("HEAD")) {
            // The route label goes into metrics: only known names, never what the client sent.
            String route = Set.of("nodes", "burns").contains(rest.get(0)) ? "/api/v1/" + rest.get(0) : "unknown";
            Optional<HttpResponse> denied = checkAdmin(request, route);
            if (denied.isPresent()) {
                return denied.get();
            }
        }
        if (rest.size() == 1 && rest.get(0).equals("burns")) {
            return method.equals("GET") ? json("/api/v1/burns", 200, Map.of("burns", burns.recent(RECENT_BURNS)))
                    : notAllowed("/api/v1/burns", "GET");
        }
        if (!rest.get(0).equals("nodes")) {
            return error("unknown", 404, "no such route: " + request.path());
        }
        return nodesApi(request, rest.subList(1, rest.size()));
    }

    private HttpResponse nodesApi(HttpRequest request, List<String> rest) throws IOException {
        String method = request.method();
        ServedInventory.Generation current = inventory.current();
        if (rest.isEmpty()) {
            if (!method.equals("GET")) {
                return notAllowed("/api/v1/nodes", "GET");
            }
            List<Object> nodes = new ArrayList<>();
            for (ResolvedNode node : current.inventory().nodes()) {
                nodes.add(nodeJson(current, node, state.status(node.name())));
            }
            List<Object> discovered = new ArrayList<>();
            for (DiscoveredMac mac : state.discovered()) {
                if (current.inventory().nodeByMac(MacAddress.parse(mac.mac())).isEmpty()) {
                    discovered.add(discoveredJson(mac));
                }
            }
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("nodes", nodes);
            body.put("discovered", discovered);
            return json("/api/v1/nodes", 200, body);
        }
        String action = rest.size() == 2 ? rest.get(1) : "";
        if (rest.size() > 2 || !(action.isEmpty() || action.equals("reprovision") || action.equals("config"))) {
            return error("unknown", 404, "no such route: " + request.path());
        }
        String route = action.isEmpty() ? "/api/v1/nodes/{name}" : "/api/v1/nodes/{name}/" + action;
        boolean reprovision = action.equals("reprovision");
        if (reprovision ? !method.equals("POST") : !method.equals("GET")) {
            return notAllowed(route, reprovision ? "POST" : "GET");
        }
        Optional<ResolvedNode> node = current.inventory().node(rest.get(0));
        if (node.isEmpty()) {
            return error(route, 404, "no node named " + rest.get(0));
        }
        if (action.equals("config")) {
            return json(route, 200, configJson(current, node.get()));
        }
        if (!reprovision) {
            return json(route, 200, nodeJson(current, node.get(), state.status(node.get().name())));
        }
        NodeStatus status = state.rearm(node.get().name(), request.remote().getHostAddress());
        seeds.revoke(node.get().spec().mac());
        LOG.info("node {} re-armed by {}", node.get().name(), request.remote().getHostAddress());
        return json(route, 200, nodeJson(current, node.get(), status));
    }

    private Optional<HttpResponse> checkAdmin(HttpRequest request, String route) {
        String authorization = request.header("authorization");
        if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return Optional.of(error(route, 401, "admin token required (Authorization: Bearer <token>)")
                    .withHeader("www-authenticate", "Bearer realm=\"metis\""));
        }
        byte[] given = authorization.substring(7).trim().getBytes(StandardCharsets.UTF_8);
        if (!MessageDigest.isEqual(given, adminToken.reveal().getBytes(StandardCharsets.UTF_8))) {
            LOG.warn("rejected admin request from {}: wrong token", request.remote().getHostAddress());
            return Optional.of(error(route, 403, "wrong admin token"));
        }
        return Optional.empty();
    }

    private static Map<String, Object> nodeJson(ServedInventory.Generation current, ResolvedNode node, NodeStatus status) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("name", node.name());
        json.put("class", node.nodeClass());
        json.put("mac", node.spec().mac().toString());
        json.put("ip", node.spec().ip().toString());
        json.put("arch", String.valueOf(node.spec().arch()));
        json.put("delivery", String.valueOf(node.spec().delivery()));
        json.put("state", status.state());
        json.put("last_seen", status.lastSeen());
        String currentHash;
        try {
            currentHash = current.publicIdentity(node).configHash();
        } catch (IdentityException e) {
            currentHash = null;
            json.put("config_error", e.getMessage());
        }
        json.put("config_hash", currentHash);
        current.secretsFailure(node).ifPresent(failure -> json.put("secrets_error", failure));
        json.put("served_hash", status.servedHash());
        json.put("provisioned_hash", status.provisionedHash());
        json.put("drift", status.state() == NodeState.PROVISIONED && currentHash != null
                && !currentHash.equals(status.provisionedHash()));
        json.put("events", status.events());
        return json;
    }

    /**
     * The node's merged config as {@code metis config} prints it, secrets redacted, and each value's
     * layer and place as {@code --explain} gives them. The file is named without its directory: the
     * page is open to read, and the server's layout is none of its readers' business.
     */
    private static Map<String, Object> configJson(ServedInventory.Generation current, ResolvedNode node)
            throws JsonProcessingException {
        Map<String, Object> json = new LinkedHashMap<>();
        NodeSecrets shown;
        try {
            shown = current.redactedSecrets(node);
        } catch (SecretUnavailableException e) {
            // The inventory's part is still worth showing; the secrets' names are not known.
            shown = NodeSecrets.NONE;
            json.put("secrets_error", LeakGuard.mask(e.getMessage()));
        }
        json.put("name", node.name());
        json.put("config", ConfigView.merged(node, shown));
        List<Object> explained = new ArrayList<>();
        for (ConfigView.Line line : ConfigView.explained(node, shown)) {
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("path", line.path());
            entry.put("value", line.value());
            if (line.origin() == null) {
                entry.put("layer", ConfigView.SECRET_SOURCE);
            } else {
                entry.put("layer", line.origin().layer());
                entry.put("file", line.origin().pos().file().getFileName().toString());
                entry.put("line", line.origin().pos().line());
            }
            explained.add(entry);
        }
        json.put("explain", explained);
        return json;
    }

    /** One of the web page's files, from the jar, under the page's content security policy. */
    private static HttpResponse web(String route, String name) throws IOException {
        Matcher file = WEB_FILE.matcher(name);
        InputStream in = file.matches() ? HttpService.class.getResourceAsStream("/web/" + name) : null;
        if (in == null) {
            return error(route, 404, "no such file");
        }
        try (in) {
            return HttpResponse.bytes(route, 200, WEB_TYPES.get(file.group(1)), in.readAllBytes())
                    .withHeader("content-security-policy", WEB_POLICY)
                    .withHeader("x-content-type-options", "nosniff")
                    .withHeader("referrer-policy", "no-referrer")
                    .withHeader("cache-control", "no-cache");
        }
    }

    private static Map<String, Object> discoveredJson(DiscoveredMac mac) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("mac", mac.mac());
        json.put("state", NodeState.DISCOVERED);
        json.put("first_seen", mac.firstSeen());
        json.put("last_seen", mac.lastSeen());
        json.put("last_address", mac.lastAddress());
        json.put("requests", mac.requests());
        return json;
    }

    private static HttpResponse head(HttpRequest request, HttpResponse response) {
        return request.method().equals("HEAD") ? response.withoutBody() : response;
    }

    private static HttpResponse json(String route, int status, Object body) throws JsonProcessingException {
        return HttpResponse.bytes(route, status, JSON_TYPE, JSON.writeValueAsBytes(body));
    }

    static HttpResponse error(String route, int status, String message) {
        try {
            return json(route, status, Map.of("error", LeakGuard.mask(message), "status", status));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a two-field map is always JSON", e);
        }
    }

    private static HttpResponse notAllowed(String route, String allowed) {
        return error(route, 405, "method not allowed; use " + allowed).withHeader("allow", allowed);
    }

    /** A request that cannot be answered as asked; carries the error answer to send instead. */
    private static final class Refused extends Exception {
        private final transient HttpResponse response;

        Refused(HttpResponse response) {
            super(null, null, false, false);
            this.response = response;
        }
    }

    private static MacAddress requireMac(String route, String text) throws Refused {
        try {
            return MacAddress.parse(text);
        } catch (IllegalArgumentException e) {
            throw new Refused(error(route, 400, "not a MAC address: " + text));
        }
    }

    private static ResolvedNode requireNode(String route, ServedInventory.Generation current, MacAddress mac)
            throws Refused {
        return current.inventory().nodeByMac(mac)
                .orElseThrow(() -> new Refused(error(route, 404, "no node with MAC " + mac)));
    }

    private static String routeOf(List<String> segments) {
        return segments.isEmpty() ? "/" : "/" + segments.get(0);
    }

    private static Map<String, String> form(byte[] body) {
        Map<String, String> form = new LinkedHashMap<>();
        if (body == null || body.length == 0) {
            return form;
        }
        for (String pair : new String(body, StandardCharsets.UTF_8).split("&")) {
            int eq = pair.indexOf('=');
            if (eq > 0) {
                try {
                    form.put(URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
                            URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
                } catch (IllegalArgumentException malformed) {
                    // a malformed pair is skipped; the phone-home still counts
                }
            }
        }
        return form;
    }

    /** Splits the raw path and percent-decodes each segment; an encoded '/' or bad escape is refused. */
    static Optional<List<String>> decodePath(String rawPath) {
        if (!rawPath.startsWith("/")) {
            return Optional.empty();
        }
        List<String> segments = new ArrayList<>();
        for (String raw : rawPath.substring(1).split("/", -1)) {
            if (raw.isEmpty()) {
                continue;
            }
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            for (int i = 0; i < raw.length(); i++) {
                char c = raw.charAt(i);
                if (c == '%') {
                    if (i + 2 >= raw.length()) {
                        return Optional.empty();
                    }
                    int hi = Character.digit(raw.charAt(i + 1), 16);
                    int lo = Character.digit(raw.charAt(i + 2), 16);
                    if (hi < 0 || lo < 0) {
                        return Optional.empty();
                    }
                    bytes.write(hi * 16 + lo);
                    i += 2;
                } else if (c < 0x80) {
                    bytes.write(c);
                } else {
                    bytes.writeBytes(String.valueOf(c).getBytes(StandardCharsets.UTF_8));
                }
            }
            String segment = bytes.toString(StandardCharsets.UTF_8);
            if (segment.contains("/") || segment.indexOf('\0') >= 0) {
                return Optional.empty();
            }
            segments.add(segment);
        }
        return Optional.of(segments);
    }
}
