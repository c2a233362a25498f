package dev.metis.inventory;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The inventory's merge rules on positioned trees: mappings merge key by key at any depth, lists and
 * scalars replace, and an explicit null removes whatever an earlier layer set.
 */
final class Merge {

    private Merge() {
    }

    static YamlNode overlay(YamlNode base, YamlNode over) {
        if (!(base instanceof YamlNode.Mapping baseMap) || !(over instanceof YamlNode.Mapping overMap)) {
            return withoutNulls(over);
        }
        Map<String, YamlNode> entries = new LinkedHashMap<>(baseMap.entries());
        Map<String, SourcePos> keyPositions = new LinkedHashMap<>(baseMap.keyPositions());
        overMap.entries().forEach((key, value) -> {
            if (isNull(value)) {
                entries.remove(key);
                keyPositions.remove(key);
            } else {
                YamlNode inherited = entries.get(key);
                entries.put(key, inherited == null ? withoutNulls(value) : overlay(inherited, value));
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
        Map<String, Origin> out = new LinkedHashMap<>();
        collect(node, "", out);
        return out;
    }

    private static void collect(YamlNode node, String path, Map<String, Origin> out) {
        if (node instanceof YamlNode.Mapping mapping) {
            mapping.entries().forEach((key, value) -> collect(value, path.isEmpty() ? segment(key) : path + "." + segment(key), out));
        } else {
            out.put(path, new Origin(node.layer(), node.pos(), YamlNode.toPlain(node)));
        }
    }

    /** Keys such as {@code topology.kubernetes.io/zone} are quoted so the dotted path stays readable. */
    private static String segment(String key) {
        return key.matches("[A-Za-z0-9_\\-]+") ? key : "\"" + key + "\"";
    }
}
