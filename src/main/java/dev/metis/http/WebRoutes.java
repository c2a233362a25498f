package dev.metis.http;

import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The web page at {@code /}: its files come from the jar, under a strict content security policy. */
final class WebRoutes {

    static final String INDEX = "/";
    static final String FILE = "/web/{file}";
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

    private WebRoutes() {
    }

    static List<Route> routes() {
        return List.of(
                new Route(INDEX, INDEX, Route.READ, false, Route.NEVER, (request, params) -> file(INDEX, "index.html")),
                new Route(FILE, FILE, Route.READ, false, Route.NEVER, (request, params) -> file(FILE, params.get("file"))));
    }

    /** One of the web page's files, from the jar, under the page's content security policy. */
    static HttpResponse file(String route, String name) throws IOException {
        Matcher file = WEB_FILE.matcher(name);
        InputStream in = file.matches() ? WebRoutes.class.getResourceAsStream("/web/" + name) : null;
        if (in == null) {
            return Answers.error(route, 404, "no such file");
        }
        try (in) {
            return HttpResponse.bytes(route, 200, WEB_TYPES.get(file.group(1)), in.readAllBytes())
                    .withHeader("content-security-policy", WEB_POLICY)
                    .withHeader("x-content-type-options", "nosniff")
                    .withHeader("referrer-policy", "no-referrer")
                    .withHeader("cache-control", "no-cache");
        }
    }
}
