package dev.metis.inventory;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A YAML value that remembers where it was written and which inventory layer wrote it, so merged
 * values can still name their file, line and layer in errors and in {@code config --explain}.
 */
public sealed interface YamlNode {

    SourcePos pos();

    /** Which layer set this value: {@code site}, {@code class NAME} or {@code node NAME}. */
    String layer();

    YamlNode withLayer(String layer);

    record Mapping(Map<String, YamlNode> entries, Map<String, SourcePos> keyPositions, SourcePos pos, String layer)
            implements YamlNode {

        public Mapping {
            entries = new LinkedHashMap<>(entries);
            keyPositions = new LinkedHashMap<>(keyPositions);
        }

        public YamlNode get(String key) {
            return entries.get(key);
        }

        public SourcePos keyPos(String key) {
            return keyPositions.getOrDefault(key, pos);
        }

        @Override
        public Mapping withLayer(String newLayer) {
            Map<String, YamlNode> relabelled = new LinkedHashMap<>();
            entries.forEach((k, v) -> relabelled.put(k, v.withLayer(newLayer)));
            return new Mapping(relabelled, keyPositions, pos, newLayer);
        }
    }

    record Sequence(List<YamlNode> items, SourcePos pos, String layer) implements YamlNode {

        public Sequence {
            items = List.copyOf(items);
        }

        @Override
        public Sequence withLayer(String newLayer) {
            return new Sequence(items.stream().map(i -> i.withLayer(newLayer)).toList(), pos, newLayer);
        }
    }

    /**
     * A scalar keeps its source text: YAML 1.1 would read a MAC such as {@code 10:20:30:40:50:59} as a
     * base-60 integer, so typing is left to the schema. {@code isNull} is true for a plain null/~/empty.
     */
    record Scalar(String text, boolean isNull, SourcePos pos, String layer) implements YamlNode {

        @Override
        public Scalar withLayer(String newLayer) {
            return new Scalar(text, isNull, pos, newLayer);
        }
    }

    static String kindOf(YamlNode node) {
        if (node instanceof Mapping) {
            return "a mapping";
        }
        if (node instanceof Sequence) {
            return "a list";
        }
        return ((Scalar) node).isNull() ? "null" : "a scalar";
    }

    /** Plain maps, lists and strings for Jackson to bind; scalars stay text and Jackson coerces them. */
    static Object toPlain(YamlNode node) {
        if (node instanceof Mapping mapping) {
            Map<String, Object> plain = new LinkedHashMap<>();
            mapping.entries().forEach((k, v) -> plain.put(k, toPlain(v)));
            return plain;
        }
        if (node instanceof Sequence sequence) {
            List<Object> plain = new java.util.ArrayList<>();
            sequence.items().forEach(i -> plain.add(toPlain(i)));
            return plain;
        }
        Scalar scalar = (Scalar) node;
        return scalar.isNull() ? null : scalar.text();
    }
}
