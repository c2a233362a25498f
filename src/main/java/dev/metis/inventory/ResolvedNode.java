package dev.metis.inventory;

import java.util.List;
import java.util.Map;

/**
 * One node after merging site, its class chain (root first) and its own entry.
 *
 * @param classChain the classes applied, root class first
 * @param provenance for each merged leaf (dotted path, in file order), which layer set it
 * @param removals   for each inherited leaf that an explicit null removed and no later layer set again
 *                   (dotted path, in the order removed), which layer removed what
 * @param pos        where the node is declared
 */
public record ResolvedNode(String name, NodeSpec spec, List<String> classChain, Map<String, Origin> provenance,
        Map<String, Removal> removals, SourcePos pos) {

    public ResolvedNode {
        classChain = List.copyOf(classChain);
        provenance = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(provenance));
        removals = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(removals));
    }

    public String hostname() {
        return spec.hostname() != null ? spec.hostname() : name;
    }

    public String fqdn() {
        return spec.domain() == null ? hostname() : hostname() + "." + spec.domain();
    }

    /** Where the layer that set {@code field} (or, for a mapping, its first value) wrote it; else where the node is. */
    public SourcePos where(String field) {
        Origin origin = provenance.get(field);
        if (origin == null) {
            origin = provenance.entrySet().stream().filter(e -> e.getKey().startsWith(field + "."))
                    .map(Map.Entry::getValue).findFirst().orElse(null);
        }
        return origin != null ? origin.pos() : pos;
    }

    /**
     * Whether the node netboots into the recovery environment, which writes its {@code image} to its disk
     * (the load checked that such a node names its {@code install.disk}).
     */
    public boolean installsImage() {
        return spec.delivery() == Delivery.NETBOOT && spec.arch() == Arch.AMD64 && spec.image() != null
                && spec.install() != null;
    }

    /** The node's own class, the last of the chain. */
    public String nodeClass() {
        return spec.nodeClass();
    }
}
