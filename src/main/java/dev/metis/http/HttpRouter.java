package dev.metis.http;

import dev.metis.assets.AssetWatch;
import dev.metis.assets.FetchedFiles;
import dev.metis.boot.BootFiles;
import dev.metis.boot.InstallImages;
import dev.metis.boot.SeedBindings;
import dev.metis.identity.IdentityException;
import dev.metis.metrics.MetisMetrics;
import dev.metis.secrets.Secret;
import dev.metis.secrets.SecretUnavailableException;
import dev.metis.served.ServedInventory;
import dev.metis.state.BurnHistory;
import dev.metis.state.StateStore;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every HTTP route of {@code metis serve} in one table, and the dispatch over it: path decoding, the
 * plain-port filter when TLS is on, the admin token for changes, methods and HEAD, and how failures of a
 * handler are answered. It knows nothing of Netty; the transport turns its answers into bytes on a socket.
 */
public final class HttpRouter {

    private static final Logger LOG = LoggerFactory.getLogger(HttpRouter.class);
    static final String UNKNOWN = "unknown";

    private final List<Route> routes;
    private final OptionalInt httpsPort;
    private final Secret adminToken;

    /**
     * @param httpsPort where HTTPS listens, when TLS is on: then plain HTTP serves only the routes marked
     *                  plain, and refuses the rest with a pointer to HTTPS
     */
    public HttpRouter(List<Route> routes, OptionalInt httpsPort, Secret adminToken) {
        this.routes = List.copyOf(routes);
        this.httpsPort = httpsPort;
        this.adminToken = adminToken;
    }

    /**
     * What the routes of each area are made from.
     *
     * @param assets  the latest look at the files nodes need, for {@code /healthz}
     * @param fetched the kernels and initrds fetched by URL, served at {@code /fetched/}
     */
    public record Services(ServedInventory inventory, StateStore state, SeedBindings seeds, BootFiles bootFiles,
            InstallImages installImages, BurnHistory burns, StatusRoutes.Health health, AssetWatch assets,
            FetchedFiles fetched, MetisMetrics metrics) {
    }

    /**
     * The route table of {@code metis serve}.
     *
     * @param tftpRoot the iPXE binaries, also served over HTTP for UEFI HTTP boot
     */
    public static List<Route> table(Services services, Path assets, Path tftpRoot) {
        List<Route> table = new ArrayList<>();
        table.addAll(new BootRoutes(services.inventory(), services.bootFiles()).routes());
        table.addAll(new SeedRoutes(services.inventory(), services.state(), services.seeds()).routes());
        table.addAll(new InstallRoutes(services.inventory(), services.state(), services.seeds(),
                services.installImages()).routes());
        table.addAll(new FileRoutes(assets, tftpRoot, services.fetched()).routes());
        table.addAll(new ApiRoutes(services.inventory(), services.state(), services.seeds(), services.burns()).routes());
        table.addAll(new StatusRoutes(services.inventory(), services.health(), services.assets(), services.metrics()).routes());
        table.addAll(WebRoutes.routes());
        return table;
    }

    public List<Route> routes() {
        return routes;
    }

    /** A request matched to its route, with the values of the route's placeholders. */
    private record Matched(Route route, Route.Params params) {
    }

    private Optional<Matched> find(List<String> segments) {
        for (Route route : routes) {
            Optional<Route.Params> params = route.match(segments);
            if (params.isPresent()) {
                return Optional.of(new Matched(route, params.get()));
            }
        }
        return Optional.empty();
    }

    /** A request decoded and matched once, for both questions the transport asks of it. */
    public final class Dispatch {
        private final HttpRequest request;
        private final Optional<List<String>> decoded;
        private final Optional<Matched> matched;

        private Dispatch(HttpRequest request) {
            this.request = request;
            this.decoded = Paths.decode(request.path());
            this.matched = decoded.flatMap(HttpRouter.this::find);
        }

        /**
         * Whether answering may wait for the secret source (Vault); the transport answers these off its
         * event loop so that a slow Vault cannot stall other requests.
         */
        public boolean mayWait() {
            return matched.map(m -> m.route().mayWait().test(m.params())).orElse(false);
        }

        /**
         * The request's target ({@code uri}, whose path this dispatch matched) as logs may show it, by the
         * route already found: see {@link HttpRouter#loggable}.
         */
        public String loggable(String uri) {
            return redact(uri, matched);
        }

        public HttpResponse answer() {
            if (decoded.isEmpty()) {
                return Answers.error("bad-path", 400, "malformed path");
            }
            if (httpsPort.isPresent() && !request.secure() && !matched.map(m -> m.route().plain()).orElse(false)) {
                return Answers.error("https-only", 403, "served over HTTPS only, on port " + httpsPort.getAsInt());
            }
            String method = request.method();
            boolean read = method.equals("GET") || method.equals("HEAD");
            // Checked before the route, so that a route added later cannot forget it.
            if (!read && !decoded.get().isEmpty() && decoded.get().get(0).equals(ApiRoutes.FIRST_SEGMENT)) {
                Optional<HttpResponse> denied = checkAdmin(request, matched.map(m -> m.route().label()).orElse(UNKNOWN));
                if (denied.isPresent()) {
                    return denied.get();
                }
            }
            if (matched.isEmpty()) {
                return Answers.error(UNKNOWN, 404, "no such route: " + request.path());
            }
            Route route = matched.get().route();
            if (!route.methods().contains(method)) {
                return Answers.notAllowed(route.label(), route.methods());
            }
            HttpResponse response = handle(route, request, matched.get().params());
            return method.equals("HEAD") ? response.withoutBody() : response;
        }
    }

    public Dispatch dispatch(HttpRequest request) {
        return new Dispatch(request);
    }

    public HttpResponse answer(HttpRequest request) {
        return dispatch(request).answer();
    }

    private static HttpResponse handle(Route route, HttpRequest request, Route.Params params) {
        try {
            return route.handler().handle(request, params);
        } catch (Refused e) {
            return e.response();
        } catch (SecretUnavailableException e) {
            return Answers.error(route.label(), 503, e.getMessage());
        } catch (IdentityException e) {
            LOG.warn("{} {}: {}", request.method(), route.label(), e.getMessage());
            return Answers.error(route.label(), 500, e.getMessage());
        } catch (IOException e) {
            LOG.error("{} {}: {}", request.method(), route.label(), e.toString());
            return Answers.error(route.label(), 500, "internal error");
        }
    }

    public boolean mayWait(HttpRequest request) {
        return dispatch(request).mayWait();
    }

    /**
     * A request URI as logs may show it: a placeholder that carries a secret (a seed token, a phone-home
     * key; see {@link Route#SECRET_PLACEHOLDERS}) is cut to its {@link SeedBindings#hint}.
     */
    public String loggable(String uri) {
        return redact(uri, Paths.decode(pathOf(uri)).flatMap(this::find));
    }

    private static String pathOf(String uri) {
        int query = uri.indexOf('?');
        return query >= 0 ? uri.substring(0, query) : uri;
    }

    /** {@code uri} with the secret placeholders of the route its path matched cut short. */
    private static String redact(String uri, Optional<Matched> matched) {
        String path = pathOf(uri);
        if (matched.isEmpty() || !path.startsWith("/")) {
            return uri;
        }
        List<String> template = matched.get().route().template();
        String[] pieces = path.split("/", -1);
        int segment = 0;
        for (int i = 0; i < pieces.length; i++) {
            if (pieces[i].isEmpty()) {
                continue;
            }
            if (segment < template.size() && Route.SECRET_PLACEHOLDERS.contains(template.get(segment))) {
                pieces[i] = SeedBindings.hint(pieces[i]);
            }
            segment++;
        }
        return String.join("/", pieces) + uri.substring(path.length());
    }

    private Optional<HttpResponse> checkAdmin(HttpRequest request, String route) {
        String authorization = request.header("authorization");
        if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return Optional.of(Answers.error(route, 401, "admin token required (Authorization: Bearer <token>)")
                    .withHeader("www-authenticate", "Bearer realm=\"metis\""));
        }
        byte[] given = authorization.substring(7).trim().getBytes(StandardCharsets.UTF_8);
        if (!MessageDigest.isEqual(given, adminToken.reveal().getBytes(StandardCharsets.UTF_8))) {
            LOG.warn("rejected admin request from {}: wrong token", request.remote().getHostAddress());
            return Optional.of(Answers.error(route, 403, "wrong admin token"));
        }
        return Optional.empty();
    }
}
