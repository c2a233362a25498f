package dev.metis.inventory;

import dev.metis.net.MacAddress;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/** A loaded, valid inventory: the site and every node fully merged, found by name or MAC. */
public final class Inventory {

    private final Path file;
    private final Site site;
    private final Map<String, ResolvedNode> byName = new LinkedHashMap<>();
    private final Map<MacAddress, ResolvedNode> byMac = new LinkedHashMap<>();
    private final Map<String, ResolvedNode> bySerial = new LinkedHashMap<>();
    private final Map<String, SourcePos> siteFields;

    Inventory(Path file, Site site, List<ResolvedNode> nodes, Map<String, SourcePos> siteFields) {
        this.file = file;
        this.site = site;
        this.siteFields = Map.copyOf(siteFields);
        for (ResolvedNode node : nodes) {
            byName.put(node.name(), node);
            byMac.put(node.spec().mac(), node);
            if (node.spec().serial() != null) {
                bySerial.put(node.spec().serial().toLowerCase(Locale.ROOT), node);
            }
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

    /** Where a site field is written, for problems found after loading (e.g. Vault settings missing from the environment). */
    public SourcePos sitePos(String field) {
        return siteFields.getOrDefault(field, new SourcePos(file, 1, 1));
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

    /** A Raspberry Pi by the serial its firmware puts in front of its TFTP paths, in any case. */
    public Optional<ResolvedNode> nodeBySerial(String serial) {
        return Optional.ofNullable(bySerial.get(serial.toLowerCase(Locale.ROOT)));
    }
}
