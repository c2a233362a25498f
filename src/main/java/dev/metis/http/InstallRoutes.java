package dev.metis.http;

import dev.metis.boot.InstallImages;
import dev.metis.boot.InstallPlan;
import dev.metis.boot.SeedBindings;
import dev.metis.identity.ServerUrls;
import dev.metis.inventory.ResolvedNode;
import dev.metis.metrics.AccessLog;
import dev.metis.net.MacAddress;
import dev.metis.served.ServedInventory;
import dev.metis.state.NodeEvent;
import dev.metis.state.StateStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a node's recovery environment asks for while it installs the node's image: its plan, ranges of the
 * image, and reports of its steps, each under the seed token of the script that booted it (the image
 * carries the node's seed, so it goes out by the rules user-data does).
 */
final class InstallRoutes {

    private static final Logger LOG = LoggerFactory.getLogger(InstallRoutes.class);
    /** How long the recovery environment waits before asking again for an image still being made. */
    static final int RETRY_AFTER_SECONDS = 5;
    private static final Pattern DISK = Pattern.compile("/dev/[A-Za-z0-9/_.:-]{1,200}");
    private static final int MESSAGE_MAX = 300;
    private static final long MIB = 1 << 20;

    private final ServedInventory inventory;
    private final StateStore state;
    private final SeedBindings seeds;
    private final InstallImages images;

    InstallRoutes(ServedInventory inventory, StateStore state, SeedBindings seeds, InstallImages images) {
        this.inventory = inventory;
        this.state = state;
        this.seeds = seeds;
        this.images = images;
    }

    List<Route> routes() {
        return List.of(
                new Route(ServerUrls.INSTALL_PLAN, ServerUrls.INSTALL_PLAN, Route.READ, true, Route.NEVER, this::plan),
                new Route(ServerUrls.INSTALL_IMAGE, ServerUrls.INSTALL_IMAGE, Route.READ, true, Route.NEVER, this::image),
                new Route(ServerUrls.INSTALL_EVENT, ServerUrls.INSTALL_EVENT, List.of("POST"), true, Route.NEVER,
                        this::event));
    }

    /** The plan, once the node's image is made; until then 503 with Retry-After, as the client expects. */
    HttpResponse plan(HttpRequest request, Route.Params params) throws Refused {
        String route = ServerUrls.INSTALL_PLAN;
        Holder holder = holder(route, SeedBindings.INSTALL_PLAN, request, params);
        return HttpResponse.bytes(route, 200, Answers.TEXT, InstallPlan.text(holder.node, made(route, holder)));
    }

    /** Ranges of the made image, as the plan describes it. */
    HttpResponse image(HttpRequest request, Route.Params params) throws Refused, IOException {
        String route = ServerUrls.INSTALL_IMAGE;
        Holder holder = holder(route, SeedBindings.INSTALL_IMAGE, request, params);
        InstallImages.Rendered image = made(route, holder);
        try {
            return FileRoutes.region(request, route, image.file(), image.size(), Files.getLastModifiedTime(image.file()));
        } catch (NoSuchFileException replaced) {
            // Made again for a newer config between the plan and this range: the client's verify catches the change.
            return beingMade(route, holder);
        }
    }

    /** A step the recovery environment reports: on the node's timeline, and a verified install ends its netboots. */
    HttpResponse event(HttpRequest request, Route.Params params) throws Refused {
        String route = ServerUrls.INSTALL_EVENT;
        Holder holder = holder(route, SeedBindings.INSTALL_EVENT, request, params);
        Map<String, String> form = Answers.form(request.body());
        String step = form.getOrDefault("step", "");
        if (bytes(form) < 0) {
            return Answers.error(route, 400, "bytes must be a whole number");
        }
        String from = request.remote().getHostAddress();
        String name = holder.node.name();
        String event;
        String detail;
        switch (step) {
            case "started" -> {
                String disk = form.getOrDefault("disk", "");
                if (!DISK.matcher(disk).matches()) {
                    return Answers.error(route, 400, "started needs disk=/dev/...");
                }
                event = NodeEvent.INSTALL_STARTED;
                detail = "writing " + disk;
            }
            case "progress" -> {
                event = NodeEvent.INSTALL_PROGRESS;
                detail = bytes(form) / MIB + " MiB written";
            }
            case "verified" -> {
                event = NodeEvent.INSTALL_VERIFIED;
                detail = bytes(form) / MIB + " MiB verified";
            }
            case "failed" -> {
                event = NodeEvent.INSTALL_FAILED;
                detail = AccessLog.printable(form.getOrDefault("message", "no reason given"), MESSAGE_MAX);
            }
            case "rebooting" -> {
                event = NodeEvent.INSTALL_REBOOTING;
                detail = null;
            }
            default -> {
                return Answers.error(route, 400, "step must be started, progress, verified, failed or rebooting");
            }
        }
        state.reported(name, event, detail, from);
        if (event.equals(NodeEvent.INSTALL_REBOOTING)) {
            seeds.spend(holder.node);
        }
        if (!event.equals(NodeEvent.INSTALL_PROGRESS)) {
            LOG.info("node {} install {}{} (from {})", name, step, detail == null ? "" : ": " + detail, from);
        }
        return new HttpResponse(route, 204, Answers.TEXT, Map.of(), new byte[0], null, 0, 0, false);
    }

    /** {@code bytes=} as a number; 0 when absent, -1 when it is not a number. */
    private static long bytes(Map<String, String> form) {
        String bytes = form.getOrDefault("bytes", "0");
        return bytes.matches("[0-9]{1,15}") ? Long.parseLong(bytes) : -1;
    }

    private record Holder(ServedInventory.Generation generation, ResolvedNode node) {
    }

    /** The node, when the request comes from its recovery environment; else the refusal. */
    private Holder holder(String route, String file, HttpRequest request, Route.Params params) throws Refused {
        MacAddress mac = Answers.requireMac(route, params.get("mac"));
        ServedInventory.Generation current = inventory.current();
        ResolvedNode node = Answers.requireNode(route, current, mac);
        if (!node.installsImage()) {
            throw new Refused(Answers.error(route, 404, "node " + node.name() + " installs no image"));
        }
        Optional<SeedBindings.Reason> refused = seeds.checkInstall(node, state.status(node.name()), file,
                params.values().get("token"), request.remote());
        if (refused.isPresent()) {
            throw new Refused(Answers.error(route, 403, "the install of node " + node.name() + " goes only to its "
                    + "recovery environment, with the token of its script, from its address (" + refused.get().label() + ")"));
        }
        return new Holder(current, node);
    }

    /** The node's made image; else a 503 that says to ask again later, or a 500 that says why it cannot be made. */
    private InstallImages.Rendered made(String route, Holder holder) throws Refused {
        try {
            return images.rendered(holder.generation, holder.node)
                    .orElseThrow(() -> new Refused(beingMade(route, holder)));
        } catch (InstallImages.Unavailable e) {
            throw new Refused(Answers.error(route, 500, e.getMessage()));
        }
    }

    private static HttpResponse beingMade(String route, Holder holder) {
        return Answers.error(route, 503, "the image of node " + holder.node.name() + " is being made")
                .withHeader("retry-after", Integer.toString(RETRY_AFTER_SECONDS));
    }
}
