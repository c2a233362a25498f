package dev.metis.identity;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.metis.inventory.Mappers;
import dev.metis.inventory.Origin;
import dev.metis.inventory.Removal;
import dev.metis.inventory.ResolvedNode;
import dev.metis.secrets.NodeSecrets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Map.Entry;

/**
 * A node's merged configuration as people read it: {@code metis config} and the web page's node view
 * both show it through here, so the two cannot tell different stories.
 */
public final class ConfigView {

    /** What {@link Line#origin} says of a value that comes from the secret source, not the inventory. */
    public static final String SECRET_SOURCE = "secret source";

    private ConfigView() {
    }

    /**
     * One value of {@code --explain}: where it was set, or for a value removed with {@code null}, where
     * it was removed and what it was.
     *
     * @param path    dotted path of the merged leaf ({@code secrets.<key>} for secrets)
     * @param value   the value as one-line YAML; the text {@code null} for a removed one
     * @param origin  the layer and position that set it (or removed it); null for a secret
     * @param removed what the {@code null} removed; null unless the line is a removal
     */
    public record Line(String path, String value, Origin origin, Removed removed) {

        /**
         * The comment {@code --explain} prints: {@code class amd64 (file:line:column)}, {@value #SECRET_SOURCE},
         * or {@code removed by node n (file:line:column); was VALUE from class c (file:line:column)}.
         */
        public String source() {
            if (origin == null) {
                return SECRET_SOURCE;
            }
            return removed == null ? origin.toString()
                    : "removed by " + origin + "; was " + removed.value() + " from " + removed.origin();
        }
    }

    /** What an explicit {@code null} removed: the value as one-line YAML, and where it had been set. */
    public record Removed(String value, Origin origin) {
    }

    /** The merged node, with its secrets as given (pass {@link NodeSecrets#redacted()} for output people read). */
    @SuppressWarnings("unchecked")
    public static Map<String, Object> merged(ResolvedNode node, NodeSecrets shown) {
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("name", node.name());
        doc.put("class_chain", node.classChain());
        doc.putAll(Mappers.binding().convertValue(node.spec(), Map.class));
        Map<String, Object> secretView = shown.revealedView();
        if (!secretView.isEmpty()) {
            doc.put("secrets", secretView);
        }
        return doc;
    }

    /**
     * Each merged leaf in file order with the layer that set it, then each inherited leaf a layer removed
     * with {@code null}, then the secrets (as given).
     */
    public static List<Line> explained(ResolvedNode node, NodeSecrets shown) throws JsonProcessingException {
        List<Line> lines = new ArrayList<>();
        for (Entry<String, Origin> entry : node.provenance().entrySet()) {
            lines.add(new Line(entry.getKey(), flow(entry.getValue().value()), entry.getValue(), null));
        }
        for (Entry<String, Removal> entry : node.removals().entrySet()) {
            Removal removal = entry.getValue();
            lines.add(new Line(entry.getKey(), "null", new Origin(removal.layer(), removal.pos(), null),
                    new Removed(flow(removal.removed().value()), removal.removed())));
        }
        for (Entry<String, Object> secret : shown.revealedView().entrySet()) {
            lines.add(new Line("secrets." + secret.getKey(), flow(secret.getValue()), null, null));
        }
        return lines;
    }

    /** One-line YAML for a value: flow style for lists and maps. */
    private static String flow(Object value) throws JsonProcessingException {
        return Mappers.binding().writeValueAsString(value).replaceAll("^\"([^\"\\\\:#]*)\"$", "$1");
    }
}
