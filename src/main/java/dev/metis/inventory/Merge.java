package dev.metis.inventory;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The inventory's merge rules on positioned trees: mappings merge key by key at any depth, lists and
 * scalars replace, and an explicit null removes whatever an earlier layer set.
 */
final class Merge {

    private Merge() {
    }

    /**
     * {@code over} laid on {@code base}. Each leaf an explicit null of {@code over} removes is put into
     * {@code removals} by its dotted path, replacing what an earlier layer's null removed there.
     */
    static YamlNode overlay(YamlNode base, YamlNode over, Map<String, Removal> removals) {
        return overlay(base, over, "", removals);
    }

    private static YamlNode overlay(YamlNode base, YamlNode over, String path, Map<String, Removal> removals) {
        if (!(base instanceof YamlNode.Mapping baseMap) || !(over instanceof YamlNode.Mapping overMap)) {
            return withoutNulls(over);
        }
        Map<String, YamlNode> entries = new LinkedHashMap<>(baseMap.entries());
        Map<String, SourcePos> keyPositions = new LinkedHashMap<>(baseMap.keyPositions());
        overMap.entries().forEach((key, value) -> {
            String at = child(path, key);
            if (isNull(value)) {
                YamlNode inherited = entries.remove(key);
                keyPositions.remove(key);
                if (inherited != null) {
                    SourcePos nullAt = overMap.keyPos(key);
                    provenance(inherited, at).forEach((leaf, origin) ->
                            removals.put(leaf, new Removal(value.layer(), nullAt, origin)));
                }
            } else {
                YamlNode inherited = entries.get(key);
                entries.put(key, inherited == null ? withoutNulls(value) : overlay(inherited, value, at, removals));
                keyPositions.put(key, overMap.keyPos(key));
            }
        });
        return new YamlNode.Mapping(entries, keyPositions, baseMap.pos(), baseMap.layer());
    }

    /** A first layer has nothing to remove, so its nulls simply mean "not set". */
    static YamlNode withoutNulls(YamlNode node) {
        if (!(node instanceof YamlNode.Mapping mapping)) {
            return node;
        }
        Map<String, YamlNode> entries = new LinkedHashMap<>();
        Map<String, SourcePos> keyPositions = new LinkedHashMap<>();
        mapping.entries().forEach((key, value) -> {
            if (!isNull(value)) {
                entries.put(key, withoutNulls(value));
                keyPositions.put(key, mapping.keyPos(key));
            }
        });
        return new YamlNode.Mapping(entries, keyPositions, mapping.pos(), mapping.layer());
    }

    static boolean isNull(YamlNode node) {
        return node instanceof YamlNode.Scalar scalar && scalar.isNull();
    }

    /** The layer and place of every leaf (scalar or whole list), keyed by its dotted path. */
    static Map<String, Origin> provenance(YamlNode node) {
        return provenance(node, "");
    }

    private static Map<String, Origin> provenance(YamlNode node, String path) {
        Map<String, Origin> out = new LinkedHashMap<>();
        collect(node, path, out);
        return out;
    }

    private static void collect(YamlNode node, String path, Map<String, Origin> out) {
        if (node instanceof YamlNode.Mapping mapping) {
            mapping.entries().forEach((key, value) -> collect(value, child(path, key), out));
        } else {
            out.put(path, new Origin(node.layer(), node.pos(), YamlNode.toPlain(node)));
        }
    }

    /**
     * The removals that still stand in the merged node: those where no later layer set a value again,
     * neither at the removed path nor above or below it.
     */
    static Map<String, Removal> standing(Map<String, Removal> removals, Map<String, Origin> provenance) {
        Map<String, Removal> out = new LinkedHashMap<>();
        removals.forEach((path, removal) -> {
            boolean setAgain = provenance.keySet().stream().anyMatch(set -> set.equals(path)
                    || set.startsWith(path + ".") || path.startsWith(set + "."));
            if (!setAgain) {
                out.put(path, removal);
            }
        });
        return out;
    }

    private static String child(String path, String key) {
        return path.isEmpty() ? segment(key) : path + "." + segment(key);
    }

    /** Keys such as {@code topology.kubernetes.io/zone} are quoted so the dotted path stays readable. */
    private static String segment(String key) {
        return key.matches("[A-Za-z0-9_\\-]+") ? key : "\"" + key + "\"";
    }
}
