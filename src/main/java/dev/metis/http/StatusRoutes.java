package dev.metis.http;

import dev.metis.assets.AssetReport;
import dev.metis.assets.AssetWatch;
import dev.metis.metrics.MetisMetrics;
import dev.metis.served.ServedInventory;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** What supervisors and Prometheus read: {@code /healthz} (also on the plain port) and {@code /metrics}. */
public final class StatusRoutes {

    static final String HEALTHZ = "/healthz";
    static final String METRICS = "/metrics";

    /** What {@code /healthz} reports beyond "up"; the server wires in its own checks. */
    public interface Health {
        Map<String, Object> details();
    }

    private final ServedInventory inventory;
    private final Health health;
    private final AssetWatch assets;
    private final MetisMetrics metrics;

    StatusRoutes(ServedInventory inventory, Health health, AssetWatch assets, MetisMetrics metrics) {
        this.inventory = inventory;
        this.health = health;
        this.assets = assets;
        this.metrics = metrics;
    }

    List<Route> routes() {
        return List.of(
                new Route(HEALTHZ, HEALTHZ, Route.READ, true, Route.NEVER, this::healthz),
                new Route(METRICS, METRICS, Route.READ, false, Route.NEVER,
                        (request, params) -> HttpResponse.text(METRICS, 200, metrics.scrapeContentType(), metrics.scrape())));
    }

    /**
     * Always 200 while the server runs: "degraded" (some node's secrets failed at their last lookup, or a
     * file some node needs is missing or wrong) still serves everything else, so a readiness probe should
     * not take the server out of service.
     */
    HttpResponse healthz(HttpRequest request, Route.Params params) throws IOException {
        ServedInventory.Generation current = inventory.current();
        Map<String, String> failing = current.failingSecrets();
        AssetReport report = assets.report();
        List<AssetReport.Group> missing = report.problems();
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("status", failing.isEmpty() && missing.isEmpty() ? "ok" : "degraded");
        body.put("inventory_generation", current.number());
        body.put("nodes", current.inventory().nodes().size());
        body.putAll(health.details());
        Map<String, Object> secrets = new LinkedHashMap<>();
        secrets.put("status", failing.isEmpty() ? "ok" : "failing");
        if (!failing.isEmpty()) {
            secrets.put("nodes", failing);
        }
        body.put("secrets", secrets);
        Map<String, Object> files = new LinkedHashMap<>();
        files.put("status", !report.done() ? "checking" : missing.isEmpty() ? "ok" : "failing");
        if (!missing.isEmpty()) {
            files.put("problems", missing.stream().map(StatusRoutes::problem).toList());
        }
        body.put("assets", files);
        return Answers.json(HEALTHZ, 200, body);
    }

    private static Map<String, Object> problem(AssetReport.Group group) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("field", group.field());
        json.put("nodes", group.nodes());
        json.put("location", group.location());
        json.put("problem", group.text());
        return json;
    }
}
