package dev.metis.inventory;

import dev.metis.net.MacAddress;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** A loaded, valid inventory: the site and every node fully merged, found by name or MAC. */
public final class Inventory {

    private final Path file;
    private final Site site;
    private final Map<String, ResolvedNode> byName = new LinkedHashMap<>();
    private final Map<MacAddress, ResolvedNode> byMac = new LinkedHashMap<>();

    Inventory(Path file, Site site, List<ResolvedNode> nodes) {
        this.file = file;
        this.site = site;
        for (ResolvedNode node : nodes) {
            byName.put(node.name(), node);
            byMac.put(node.spec().mac(), node);
        }
    }

    public Path file() {
        return file;
    }

    /** Relative paths in the inventory (secrets file, boot overlays) are relative to its folder. */
    public Path resolve(String relative) {
        Path parent = file.toAbsolutePath().getParent();
        return parent.resolve(relative).normalize();
    }

    public Site site() {
        return site;
    }

    public List<ResolvedNode> nodes() {
        return List.copyOf(byName.values());
    }

    public Optional<ResolvedNode> node(String name) {
        return Optional.ofNullable(byName.get(name));
    }

    public Optional<ResolvedNode> nodeByMac(MacAddress mac) {
        return Optional.ofNullable(byMac.get(mac));
    }
}
