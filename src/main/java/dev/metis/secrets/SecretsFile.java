package dev.metis.secrets;

import dev.metis.inventory.InvalidInputException;
import dev.metis.inventory.Mappers;
import dev.metis.inventory.Problem;
import dev.metis.inventory.SchemaCheck;
import dev.metis.inventory.SourcePos;
import dev.metis.inventory.YamlNode;
import dev.metis.inventory.YamlReader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** The secrets file's model and its checks; messages name fields and places, never values. */
final class SecretsFile {

    /** One node's (or the defaults') secret fields as written in the file. */
    record Entry(String k3sToken, String sshPassword, Map<String, String> extra) {

        static final Entry EMPTY = new Entry(null, null, Map.of());

        Entry {
            extra = extra == null ? Map.of() : Map.copyOf(extra);
        }

        @Override
        public String toString() {
            return "Entry[" + Secret.REDACTED + "]";
        }
    }

    /** The file's top level, used as its schema. */
    record Layout(Entry defaults, Map<String, Entry> nodes) {
    }

    record Contents(Path file, Entry defaults, Map<String, Entry> nodes, Map<String, SourcePos> nodePositions) {
    }

    private SecretsFile() {
    }

    static Contents read(Path file) throws InvalidInputException {
        YamlNode root = YamlReader.read(file, "secrets", false);
        List<Problem> problems = new ArrayList<>();
        YamlNode checked = new SchemaCheck(Mappers.binding(), false).check(root, Layout.class, "secrets", problems);
        if (checked instanceof YamlNode.Mapping top) {
            emptyMapValues(top, problems);
        }
        if (!problems.isEmpty()) {
            throw new InvalidInputException(problems);
        }
        Layout layout = Mappers.binding().convertValue(YamlNode.toPlain(checked), Layout.class);
        Map<String, SourcePos> positions = new LinkedHashMap<>();
        if (checked instanceof YamlNode.Mapping top && top.get("nodes") instanceof YamlNode.Mapping nodes) {
            nodes.entries().keySet().forEach(name -> positions.put(name, nodes.keyPos(name)));
        }
        return new Contents(file,
                layout.defaults() == null ? Entry.EMPTY : layout.defaults(),
                layout.nodes() == null ? Map.of() : Map.copyOf(layout.nodes()),
                positions);
    }

    /**
     * A node or an {@code extra} name written without a value. The schema lets nulls through (in the
     * inventory they remove an inherited value), but the file's maps cannot hold one.
     */
    private static void emptyMapValues(YamlNode.Mapping top, List<Problem> problems) {
        if (top.get("defaults") instanceof YamlNode.Mapping defaults) {
            emptyExtras(defaults, "secrets.defaults", problems);
        }
        if (top.get("nodes") instanceof YamlNode.Mapping nodes) {
            nodes.entries().forEach((name, entry) -> {
                String path = "secrets.nodes." + name;
                if (entry instanceof YamlNode.Mapping fields) {
                    emptyExtras(fields, path, problems);
                } else {
                    problems.add(new Problem(nodes.keyPos(name), path + ": no value (write {} for a node with no secrets of its own)"));
                }
            });
        }
    }

    private static void emptyExtras(YamlNode.Mapping entry, String path, List<Problem> problems) {
        if (entry.get("extra") instanceof YamlNode.Mapping extra) {
            extra.entries().forEach((name, value) -> {
                if (value instanceof YamlNode.Scalar scalar && scalar.isNull()) {
                    problems.add(new Problem(extra.keyPos(name), path + ".extra." + name + ": no value"));
                }
            });
        }
    }

    /** A name that matches no node is almost always a typo that would leave a node without its secrets. */
    static List<Problem> unknownNodes(Contents contents, Set<String> inventoryNodes) {
        List<Problem> problems = new ArrayList<>();
        contents.nodePositions().forEach((name, pos) -> {
            if (!inventoryNodes.contains(name)) {
                problems.add(new Problem(pos, "secrets.nodes: no node '" + name + "' in the inventory"
                        + SchemaCheck.suggestion(name, List.copyOf(inventoryNodes))));
            }
        });
        return problems;
    }
}
