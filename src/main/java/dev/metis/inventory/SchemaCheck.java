package dev.metis.inventory;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.introspect.BeanPropertyDefinition;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Checks a positioned YAML tree against the Java records it will be bound to, collecting every
 * problem instead of stopping at the first as Jackson would. The records are the only schema.
 */
public final class SchemaCheck {

    /** A value type that is bound from one value and also from a mapping: it has a creator of mode PROPERTIES. */
    private static final ClassValue<Boolean> BINDS_A_MAPPING = new ClassValue<>() {
        @Override
        protected Boolean computeValue(Class<?> raw) {
            return Arrays.stream(raw.getDeclaredMethods()).map(m -> m.getAnnotation(JsonCreator.class))
                    .anyMatch(creator -> creator != null && creator.mode() == JsonCreator.Mode.PROPERTIES);
        }
    };

    private final ObjectMapper mapper;
    private final boolean quoteValues;

    /**
     * @param quoteValues whether messages may quote the offending value; false for secrets files.
     */
    public SchemaCheck(ObjectMapper mapper, boolean quoteValues) {
        this.mapper = mapper;
        this.quoteValues = quoteValues;
    }

    /**
     * Checks {@code node} and returns it without the parts that failed (so later checks can still run on
     * the rest), or null when nothing of it is usable. Problems are added to {@code problems}.
     */
    public YamlNode check(YamlNode node, Class<?> type, String path, List<Problem> problems) {
        return check(node, mapper.constructType(type), path, problems);
    }

    YamlNode check(YamlNode node, JavaType type, String path, List<Problem> problems) {
        if (node instanceof YamlNode.Scalar scalar && scalar.isNull()) {
            return node; // null removes an inherited value; whether one is required is checked after merging
        }
        if (type.getRawClass() == Object.class) {
            return node; // free-form (cloud_init's cloud-config), whose reader checks it: cloud-init's own schema
        }
        if (type.isMapLikeType()) {
            if (!(node instanceof YamlNode.Mapping mapping)) {
                problems.add(wrongKind(node, path, "a mapping"));
                return null;
            }
            return keepValid(mapping, key -> type.getContentType(), path, problems);
        }
        if (type.isCollectionLikeType()) {
            if (!(node instanceof YamlNode.Sequence sequence)) {
                problems.add(wrongKind(node, path, "a list"));
                return null;
            }
            List<YamlNode> valid = new ArrayList<>();
            for (int i = 0; i < sequence.items().size(); i++) {
                YamlNode item = sequence.items().get(i);
                if (item instanceof YamlNode.Scalar s && s.isNull()) {
                    problems.add(new Problem(item.pos(), path + "[" + i + "]: a list item cannot be null"));
                    continue;
                }
                YamlNode checked = check(item, type.getContentType(), path + "[" + i + "]", problems);
                if (checked != null) {
                    valid.add(checked);
                }
            }
            return new YamlNode.Sequence(valid, sequence.pos(), sequence.layer());
        }
        boolean alsoMapping = BINDS_A_MAPPING.get(type.getRawClass());
        if (isScalarType(type.getRawClass()) && !(alsoMapping && node instanceof YamlNode.Mapping)) {
            if (!(node instanceof YamlNode.Scalar scalar)) {
                problems.add(wrongKind(node, path, alsoMapping ? "a single value or a mapping" : describeScalar(type.getRawClass())));
                return null;
            }
            return checkScalar(scalar, type.getRawClass(), path, problems) ? node : null;
        }
        if (!(node instanceof YamlNode.Mapping mapping)) {
            problems.add(wrongKind(node, path, "a mapping"));
            return null;
        }
        Fields fields = fields(type);
        YamlNode.Mapping valid = keepValid(mapping, key -> {
            JavaType fieldType = fields.types().get(key);
            if (fieldType == null) {
                problems.add(new Problem(mapping.keyPos(key), path + ": unknown field '" + key + "'"
                        + suggestion(key, List.copyOf(fields.types().keySet()))));
            }
            return fieldType;
        }, path, problems);
        List<String> missing = fields.required().stream().filter(field -> mapping.get(field) == null).toList();
        missing.forEach(field -> problems.add(new Problem(mapping.pos(), path + ": missing required field '" + field + "'")));
        return missing.isEmpty() ? valid : null;
    }

    private YamlNode.Mapping keepValid(YamlNode.Mapping mapping, Function<String, JavaType> typeOfKey, String path,
            List<Problem> problems) {
        Map<String, YamlNode> valid = new LinkedHashMap<>();
        mapping.entries().forEach((key, value) -> {
            JavaType valueType = typeOfKey.apply(key);
            YamlNode checked = valueType == null ? null : check(value, valueType, path + "." + key, problems);
            if (checked != null) {
                valid.put(key, checked);
            }
        });
        return new YamlNode.Mapping(valid, mapping.keyPositions(), mapping.pos(), mapping.layer());
    }

    /**
     * The YAML fields a record accepts, in declaration order (for a value that is also a mapping, those of the
     * creator that binds the mapping), and those a mapping must give ({@code @JsonProperty(required = true)}:
     * binding would fail without them).
     */
    private record Fields(Map<String, JavaType> types, List<String> required) {
    }

    /** The YAML field names a record accepts. */
    Set<String> fieldNames(JavaType type) {
        return fields(type).types().keySet();
    }

    private Fields fields(JavaType type) {
        boolean byCreator = BINDS_A_MAPPING.get(type.getRawClass());
        Map<String, JavaType> types = new LinkedHashMap<>();
        List<String> required = new ArrayList<>();
        for (BeanPropertyDefinition property : mapper.getDeserializationConfig().introspect(type).findProperties()) {
            if (!byCreator || property.hasConstructorParameter()) {
                types.put(property.getName(), property.getPrimaryType());
            }
            if (property.isRequired()) {
                required.add(property.getName());
            }
        }
        return new Fields(types, required);
    }

    private boolean checkScalar(YamlNode.Scalar scalar, Class<?> raw, String path, List<Problem> problems) {
        String text = scalar.text();
        String shown = quoteValues ? " '" + text + "'" : "";
        String problem = null;
        if (raw == Boolean.class || raw == boolean.class) {
            if (!text.equals("true") && !text.equals("false")) {
                problem = "expected true or false, got" + shown;
            }
        } else if (raw == Integer.class || raw == int.class || raw == Long.class || raw == long.class) {
            if (!text.matches("-?[0-9]{1,18}")) {
                problem = "expected a whole number, got" + shown;
            }
        } else if (raw.isEnum()) {
            List<String> allowed = Arrays.stream(raw.getEnumConstants()).map(Object::toString).toList();
            if (!allowed.contains(text)) {
                problem = "expected one of " + String.join(", ", allowed) + ", got" + shown;
            }
        } else if (raw != String.class) {
            try {
                parser(raw).invoke(null, text);
            } catch (InvocationTargetException e) {
                problem = quoteValues ? e.getCause().getMessage() : "not a valid " + raw.getSimpleName();
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException("value type without a usable parse(String): " + raw, e);
            }
        }
        if (problem != null) {
            problems.add(new Problem(scalar.pos(), path + ": " + problem));
        }
        return problem == null;
    }

    private static boolean isScalarType(Class<?> raw) {
        return raw == String.class || raw.isPrimitive() || raw == Boolean.class || raw == Integer.class
                || raw == Long.class || raw.isEnum() || parser(raw) != null;
    }

    /** Value types (MAC, IPv4, CIDR) declare a static {@code parse(String)} that explains bad input. */
    private static Method parser(Class<?> raw) {
        try {
            Method parse = raw.getMethod("parse", String.class);
            return Modifier.isStatic(parse.getModifiers()) ? parse : null;
        } catch (NoSuchMethodException e) {
            return null;
        }
    }

    private static String describeScalar(Class<?> raw) {
        if (raw == Boolean.class || raw == boolean.class) {
            return "true or false";
        }
        if (raw == Integer.class || raw == int.class || raw == Long.class || raw == long.class) {
            return "a whole number";
        }
        return "a single value";
    }

    private static Problem wrongKind(YamlNode node, String path, String expected) {
        return new Problem(node.pos(), path + ": expected " + expected + ", got " + YamlNode.kindOf(node));
    }

    /** Names the closest known field, since most unknown fields are typos. */
    public static String suggestion(String unknown, List<String> known) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String candidate : known) {
            int d = editDistance(unknown, candidate);
            if (d < bestDistance) {
                bestDistance = d;
                best = candidate;
            }
        }
        if (best != null && bestDistance <= Math.max(2, unknown.length() / 3)) {
            return " (did you mean '" + best + "'?)";
        }
        return known.isEmpty() ? "" : " (known: " + known.stream().collect(Collectors.joining(", ")) + ")";
    }

    private static int editDistance(String a, String b) {
        int[] previous = new int[b.length() + 1];
        int[] current = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            previous[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            current[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int substitution = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                current[j] = Math.min(substitution, Math.min(previous[j] + 1, current[j - 1] + 1));
            }
            int[] swap = previous;
            previous = current;
            current = swap;
        }
        return previous[b.length()];
    }
}
