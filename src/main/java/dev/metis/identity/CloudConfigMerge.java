package dev.metis.identity;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Merges extra cloud-config from the secret source into the user-data Metis renders. Metis owns what it
 * renders from the inventory, so extra config may add but never change:
 * <ul>
 * <li>keys Metis does not set are added, after Metis's own;</li>
 * <li>mappings merge key by key, at any depth;</li>
 * <li>lists are appended to (Metis's items first): more {@code runcmd}, {@code packages}, {@code write_files};</li>
 * <li>a value Metis sets that is not a mapping or list (hostname, ssh_pwauth, ...) is refused, as is a
 * different kind of value (a list where Metis has a mapping), and a {@code write_files} entry for a
 * path Metis writes.</li>
 * </ul>
 * Every refusal is reported at once, by key path: the values are secret.
 */
final class CloudConfigMerge {

    private CloudConfigMerge() {
    }

    /** @throws IdentityException listing every refused key */
    static Map<String, Object> merge(String nodeName, Map<String, Object> metis, Map<String, Object> extra) {
        List<String> refused = new ArrayList<>();
        Map<String, Object> merged = mergeMaps(metis, extra, "", refused);
        refused.addAll(rewrittenFiles(metis.get("write_files"), extra.get("write_files")));
        if (!refused.isEmpty()) {
            throw new IdentityException("node " + nodeName + ": cloud_init from the secret source may only add to "
                    + "what Metis renders; refused: " + String.join(", ", refused), null);
        }
        return merged;
    }

    private static Map<String, Object> mergeMaps(Map<String, Object> metis, Map<?, ?> extra, String path,
            List<String> refused) {
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
                refused.add("'" + at + "' (" + (own instanceof Map || own instanceof List
                        ? "a different kind of value than Metis's" : "set by Metis") + ")");
            }
        });
        return merged;
    }

    /** Later write_files entries win on the node, so one for a path Metis writes would replace Metis's file. */
    private static List<String> rewrittenFiles(Object metisFiles, Object extraFiles) {
        List<String> refused = new ArrayList<>();
        if (!(metisFiles instanceof List<?> own) || !(extraFiles instanceof List<?> extra)) {
            return refused;
        }
        List<String> written = own.stream().filter(o -> o instanceof Map<?, ?>)
                .map(o -> String.valueOf(((Map<?, ?>) o).get("path"))).toList();
        for (int i = 0; i < extra.size(); i++) {
            if (extra.get(i) instanceof Map<?, ?> file && written.contains(String.valueOf(file.get("path")))) {
                refused.add("'write_files[" + i + "]' (a file Metis writes)");
            }
        }
        return refused;
    }
}
