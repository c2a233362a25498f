package dev.metis.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.metis.identity.ConfigView;
import dev.metis.identity.IdentityException;
import dev.metis.inventory.Origin;
import dev.metis.inventory.ResolvedNode;
import dev.metis.secrets.LeakGuard;
import dev.metis.secrets.NodeSecrets;
import dev.metis.secrets.SecretUnavailableException;
import dev.metis.served.ServedInventory;
import dev.metis.state.DiscoveredMac;
import dev.metis.state.NodeState;
import dev.metis.state.NodeStatus;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The JSON shapes of nodes the API answers with: no secret and no seed token is ever in them. */
final class NodeViews {

    private NodeViews() {
    }

    static Map<String, Object> node(ServedInventory.Generation current, ResolvedNode node, NodeStatus status) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("name", node.name());
        json.put("class", node.nodeClass());
        json.put("mac", node.spec().mac().toString());
        json.put("ip", node.spec().ip() == null ? null : node.spec().ip().toString()); // null (left out): DHCP gives it
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
        json.put("drift", status.drifted(currentHash));
        json.put("events", status.events());
        return json;
    }

    /**
     * The node's merged config as {@code metis config} prints it, secrets redacted, and each value's
     * layer and place as {@code --explain} gives them. The file is named without its directory: the
     * page is open to read, and the server's layout is none of its readers' business.
     */
    static Map<String, Object> config(ServedInventory.Generation current, ResolvedNode node) throws JsonProcessingException {
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
                putOrigin(entry, line.origin());
            }
            if (line.removed() != null) {
                Map<String, Object> removed = new LinkedHashMap<>();
                removed.put("value", line.removed().value());
                putOrigin(removed, line.removed().origin());
                entry.put("removed", removed);
            }
            explained.add(entry);
        }
        json.put("explain", explained);
        return json;
    }

    private static void putOrigin(Map<String, Object> entry, Origin origin) {
        entry.put("layer", origin.layer());
        entry.put("file", origin.pos().file().getFileName().toString());
        entry.put("line", origin.pos().line());
    }

    static Map<String, Object> discovered(DiscoveredMac mac) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("mac", mac.mac());
        json.put("state", NodeState.DISCOVERED);
        json.put("first_seen", mac.firstSeen());
        json.put("last_seen", mac.lastSeen());
        json.put("last_address", mac.lastAddress());
        json.put("requests", mac.requests());
        return json;
    }
}
