package dev.metis.secrets;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.metis.inventory.Mappers;
import dev.metis.inventory.SchemaCheck;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The fields of a node's KV secret, checked and turned into {@link NodeSecrets}. Messages name fields,
 * never values. Unknown fields are refused: a misspelt {@code k3s_tokn} would otherwise leave the node
 * without its token and no one would know.
 */
final class VaultSecretData {

    static final List<String> FIELDS = List.of("k3s_token", "ssh_password", "cloud_init", "extra");

    private VaultSecretData() {
    }

    /** @throws IllegalArgumentException naming the field that is wrong */
    static NodeSecrets parse(Map<String, Object> data) {
        for (String field : data.keySet()) {
            if (!FIELDS.contains(field)) {
                throw new IllegalArgumentException("unknown field '" + field + "'" + SchemaCheck.suggestion(field, FIELDS));
            }
        }
        Map<String, Secret> extra = new LinkedHashMap<>();
        Object extraValue = data.get("extra");
        if (extraValue instanceof Map<?, ?> map) {
            map.forEach((key, value) -> extra.put(key.toString(), Secret.of(scalar("extra." + key, value))));
        } else if (extraValue != null) {
            throw new IllegalArgumentException("field 'extra': expected a mapping of names to values");
        }
        return new NodeSecrets(string(data, "k3s_token"), string(data, "ssh_password"), extra, cloudInit(data.get("cloud_init")));
    }

    private static Optional<Secret> string(Map<String, Object> data, String field) {
        Object value = data.get(field);
        if (value != null && !(value instanceof String)) {
            throw new IllegalArgumentException("field '" + field + "': expected a string");
        }
        return Optional.ofNullable((String) value).map(Secret::of);
    }

    private static String scalar(String field, Object value) {
        if (value == null || value instanceof Map || value instanceof List) {
            throw new IllegalArgumentException("field '" + field + "': expected a single value");
        }
        return value.toString();
    }

    /** Given as YAML text (as {@code vault kv put ... cloud_init=@file.yaml} stores it) or as a JSON object. */
    private static Optional<Secret> cloudInit(Object value) {
        if (value == null) {
            return Optional.empty();
        }
        String text;
        try {
            text = value instanceof String s ? s : Mappers.binding().writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("parsed JSON is always JSON", e);
        }
        try {
            CloudInitSecret.parse(text);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("field 'cloud_init': " + e.getMessage());
        }
        return Optional.of(Secret.of(text));
    }
}
