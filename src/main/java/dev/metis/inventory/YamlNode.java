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
     * base-60 integer, so typing is left to the schema. {@code kind} is how YAML 1.1 reads it, for
     * free-form values ({@code cloud_init}) that keep YAML's own types.
     */
    record Scalar(String text, Kind kind, SourcePos pos, String layer) implements YamlNode {

        /** What YAML 1.1 makes of a scalar; quoted ones and explicitly tagged {@code !!str} are text. */
        public enum Kind { NULL, BOOLEAN, INTEGER, FLOAT, TEXT }

        /** A plain null, {@code ~} or empty value. */
        public boolean isNull() {
            return kind == Kind.NULL;
        }

        @Override
        public Scalar withLayer(String newLayer) {
            return new Scalar(text, kind, pos, newLayer);
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

    /**
     * Plain maps and lists with each scalar as YAML 1.1 types it (Boolean, Integer, Long, BigInteger,
     * Double or the text), as cloud-init's own YAML reader reads the same text.
     */
    static Object toTyped(YamlNode node) {
        if (node instanceof Mapping mapping) {
            Map<String, Object> typed = new LinkedHashMap<>();
            mapping.entries().forEach((k, v) -> typed.put(k, toTyped(v)));
            return typed;
        }
        if (node instanceof Sequence sequence) {
            List<Object> typed = new java.util.ArrayList<>();
            sequence.items().forEach(i -> typed.add(toTyped(i)));
            return typed;
        }
        return YamlReader.typedValue((Scalar) node);
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
