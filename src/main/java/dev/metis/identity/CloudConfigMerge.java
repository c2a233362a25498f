package dev.metis.identity;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;

/**
 * Merges extra cloud-config (the inventory's {@code cloud_init}, then the secret source's) into the
 * user-data Metis renders. Metis owns what it renders, so extra config may add but never change:
 * <ul>
 * <li>keys Metis does not set are added, after Metis's own;</li>
 * <li>mappings merge key by key, at any depth;</li>
 * <li>lists are appended to (Metis's items first): more {@code runcmd}, {@code packages}, {@code write_files};</li>
 * <li>a value Metis sets that is not a mapping or list (hostname, ssh_pwauth, ...) is refused, as is a
 * different kind of value (a list where Metis has a mapping), and a {@code write_files} entry for a
 * path Metis writes.</li>
 * </ul>
 * Every refusal is reported at once, by key path, never by value (the secret source's are secret).
 */
final class CloudConfigMerge {

    private CloudConfigMerge() {
    }

    /**
     * @param source  what the message calls the extra config, e.g. {@code cloud_init from the secret source}
     * @param placeOf for a refused key path ({@code phone_home.tries}, {@code write_files[0]}), where it
     *                was written, as text to append ({@code " in class base (file:3:5)"}), or ""
     * @throws IdentityException listing every refused key
     */
    static Map<String, Object> merge(String nodeName, String source, Map<String, Object> metis,
            Map<String, Object> extra, UnaryOperator<String> placeOf) {
        List<Refusal> refused = new ArrayList<>();
        Map<String, Object> merged = mergeMaps(metis, extra, "", refused);
        refused.addAll(rewrittenFiles(metis.get("write_files"), extra.get("write_files")));
        if (!refused.isEmpty()) {
            throw new IdentityException("node " + nodeName + ": " + source + " may only add to what Metis renders; "
                    + "refused: " + refused.stream().map(r -> "'" + r.path() + "' (" + r.why() + ")" + placeOf.apply(r.path()))
                            .collect(Collectors.joining(", ")), null);
        }
        return merged;
    }

    private record Refusal(String path, String why) {
    }

    private static Map<String, Object> mergeMaps(Map<String, Object> metis, Map<?, ?> extra, String path,
            List<Refusal> refused) {
        Map<String, Object> merged = new LinkedHashMap<>(metis);
        extra.forEach((rawKey, value) -> {
            String key = String.valueOf(rawKey);
            String at = path.isEmpty() ? key : path + "." + key;
            Object own = metis.get(key);
            if (own == null) {
                merged.put(key, value);
            } else if (own instanceof Map<?, ?> ownMap && value instanceof Map<?, ?> extraMap) {
                @SuppressWarnings("unchecked")
                Map<String, Object> ownTyped = (Map<String, Object>) ownMap;
                merged.put(key, mergeMaps(ownTyped, extraMap, at, refused));
            } else if (own instanceof List<?> ownList && value instanceof List<?> extraList) {
                List<Object> both = new ArrayList<>(ownList);
                both.addAll(extraList);
                merged.put(key, both);
            } else {
                refused.add(new Refusal(at, own instanceof Map || own instanceof List
                        ? "a different kind of value than Metis's" : "set by Metis"));
            }
        });
        return merged;
    }

    /** Later write_files entries win on the node, so one for a path Metis writes would replace Metis's file. */
    private static List<Refusal> rewrittenFiles(Object metisFiles, Object extraFiles) {
        List<Refusal> refused = new ArrayList<>();
        if (!(metisFiles instanceof List<?> own) || !(extraFiles instanceof List<?> extra)) {
            return refused;
        }
        List<String> written = own.stream().filter(o -> o instanceof Map<?, ?>)
                .map(o -> String.valueOf(((Map<?, ?>) o).get("path"))).toList();
        for (int i = 0; i < extra.size(); i++) {
            if (extra.get(i) instanceof Map<?, ?> file && written.contains(String.valueOf(file.get("path")))) {
                refused.add(new Refusal("write_files[" + i + "]", "a file Metis writes"));
            }
        }
        return refused;
    }
}
