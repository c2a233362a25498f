package dev.metis.secrets;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import dev.metis.inventory.Mappers;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Extra cloud-config kept as a secret: YAML (or JSON) text of a mapping. Parse errors name the line and
 * column only, since parser messages quote the text they choke on.
 */
final class CloudInitSecret {

    private CloudInitSecret() {
    }

    /** @throws IllegalArgumentException with a message that quotes nothing of the text */
    static Map<String, Object> parse(String text) {
        Object parsed;
        try {
            parsed = Mappers.yaml().readValue(text, new TypeReference<Object>() { });
        } catch (JsonProcessingException e) {
            var at = e.getLocation();
            throw new IllegalArgumentException("not valid YAML" + (at == null ? ""
                    : " (line " + at.getLineNr() + ", column " + at.getColumnNr() + ")"));
        }
        if (!(parsed instanceof Map<?, ?> map)) {
            throw new IllegalArgumentException("expected a mapping of cloud-config keys");
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> mapping = (Map<String, Object>) map;
        return mapping;
    }

    /** The same structure with every scalar replaced by {@value Secret#REDACTED}, as JSON text. */
    static String masked(String text) {
        try {
            return Mappers.binding().writeValueAsString(mask(parse(text)));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("plain maps and lists are always JSON", e);
        }
    }

    private static Object mask(Object value) {
        if (value instanceof Map<?, ?> map) {
            Map<Object, Object> masked = new LinkedHashMap<>();
            map.forEach((k, v) -> masked.put(k, mask(v)));
            return masked;
        }
        if (value instanceof List<?> list) {
            List<Object> masked = new ArrayList<>();
            list.forEach(v -> masked.add(mask(v)));
            return masked;
        }
        return Secret.REDACTED;
    }

    /** Every scalar in the text, for the {@link LeakGuard}. */
    static void watchScalars(Object value) {
        if (value instanceof Map<?, ?> map) {
            map.values().forEach(CloudInitSecret::watchScalars);
        } else if (value instanceof List<?> list) {
            list.forEach(CloudInitSecret::watchScalars);
        } else if (value != null) {
            LeakGuard.watch(value.toString());
        }
    }
}
