package dev.metis.http;

import static dev.metis.http.Answers.TEXT;

import dev.metis.boot.BootFiles;
import dev.metis.identity.BootScripts;
import dev.metis.identity.ServerUrls;
import dev.metis.net.MacAddress;
import dev.metis.secrets.SecretUnavailableException;
import dev.metis.served.ServedInventory;
import java.util.List;

/** What iPXE fetches: the chain script any client starts with, and a node's own script. */
final class BootRoutes {

    private final ServedInventory inventory;
    private final BootFiles bootFiles;

    BootRoutes(ServedInventory inventory, BootFiles bootFiles) {
        this.inventory = inventory;
        this.bootFiles = bootFiles;
    }

    List<Route> routes() {
        return List.of(
                new Route(ServerUrls.CHAIN_SCRIPT, ServerUrls.CHAIN_SCRIPT, Route.READ, true, Route.NEVER, this::chainScript),
                // The script carries no secret, but is rendered from the node's identity, which needs them.
                new Route(ServerUrls.NODE_SCRIPT, ServerUrls.NODE_SCRIPT, Route.READ, true, Route.ALWAYS, this::nodeScript));
    }

    HttpResponse chainScript(HttpRequest request, Route.Params params) {
        return HttpResponse.bytes(ServerUrls.CHAIN_SCRIPT, 200, TEXT,
                BootScripts.chain(new ServerUrls(inventory.current().inventory().site().serverUrl())));
    }

    /**
     * The node's script while it is armed, to the address with evidence of booting it; an exit-to-disk
     * script otherwise. Without its secrets an armed node gets 503: its chain script exits and it boots from
     * its disk instead of starting an installation that could not finish.
     */
    HttpResponse nodeScript(HttpRequest request, Route.Params params) throws Refused, SecretUnavailableException {
        String route = ServerUrls.NODE_SCRIPT;
        MacAddress mac = Answers.requireMac(route, params.get("mac"));
        BootFiles.Answer answer = bootFiles.ipxeScript(mac, request.remote());
        if (answer instanceof BootFiles.Served served) {
            return HttpResponse.bytes(route, 200, TEXT, served.bytes());
        }
        if (answer instanceof BootFiles.Refused refused) {
            return Answers.error(route, 403, refused.reason());
        }
        return HttpResponse.bytes(route, 200, TEXT, ((BootFiles.LocalDisk) answer).exitScript());
    }
}
