package dev.metis.secrets;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The second line of defence behind {@link Secret#toString()}: every secret value Metis has held is
 * remembered here, and {@link #mask} replaces any of them in text that leaves the process by a side
 * door (log lines and exception texts through the logging setup, error messages). Values stay
 * remembered after rotation, since an old token is still worth hiding. Values shorter than
 * {@value #MIN_LENGTH} characters are not masked: they would mangle every log line and are not real
 * secrets.
 */
public final class LeakGuard {

    static final int MIN_LENGTH = 6;
    private static final Set<String> VALUES = new LinkedHashSet<>();
    /** Rebuilt on every new value; reads take the current one without locking. */
    private static volatile Index index = Index.EMPTY;

    private LeakGuard() {
    }

    /** Remembers a value to mask from now on. */
    public static void watch(String value) {
        if (value == null || value.length() < MIN_LENGTH || value.equals(Secret.REDACTED)) {
            return;
        }
        synchronized (VALUES) {
            if (VALUES.add(value)) {
                index = new Index(List.copyOf(VALUES));
            }
        }
    }

    /** The text with every remembered secret value replaced by {@value Secret#REDACTED}. */
    public static String mask(String text) {
        return text == null ? null : index.mask(text);
    }

    /**
     * Finds values by a rolling hash of their first {@value #MIN_LENGTH} characters, so masking a log
     * line costs one pass over it however many secrets there are.
     */
    private static final class Index {

        static final Index EMPTY = new Index(List.of());
        private static final int BASE = 31;
        private static final int POWER = pow(BASE, MIN_LENGTH - 1);

        private final Map<Integer, List<String>> byPrefix = new HashMap<>();
        private final BitSet filter = new BitSet(1 << 16);

        Index(List<String> values) {
            for (String value : values) {
                int hash = hash(value, 0);
                byPrefix.computeIfAbsent(hash, h -> new ArrayList<>()).add(value);
                filter.set(hash & 0xffff);
            }
            // longest first, so a value that contains another is masked whole
            byPrefix.values().forEach(list -> list.sort((a, b) -> b.length() - a.length()));
        }

        String mask(String text) {
            if (byPrefix.isEmpty() || text.length() < MIN_LENGTH) {
                return text;
            }
            StringBuilder out = null;
            int copied = 0;
            int hash = hash(text, 0);
            for (int i = 0; i + MIN_LENGTH <= text.length(); i++) {
                if (i > 0) {
                    hash = (hash - text.charAt(i - 1) * POWER) * BASE + text.charAt(i + MIN_LENGTH - 1);
                }
                if (i < copied || !filter.get(hash & 0xffff)) {
                    continue;
                }
                List<String> candidates = byPrefix.get(hash);
                if (candidates == null) {
                    continue;
                }
                for (String value : candidates) {
                    if (text.startsWith(value, i)) {
                        out = out == null ? new StringBuilder(text.length()) : out;
                        out.append(text, copied, i).append(Secret.REDACTED);
                        copied = i + value.length();
                        break;
                    }
                }
            }
            return out == null ? text : out.append(text, copied, text.length()).toString();
        }

        private static int hash(String text, int from) {
            int hash = 0;
            for (int i = from; i < from + MIN_LENGTH; i++) {
                hash = hash * BASE + text.charAt(i);
            }
            return hash;
        }

        private static int pow(int base, int exponent) {
            int result = 1;
            for (int i = 0; i < exponent; i++) {
                result *= base;
            }
            return result;
        }
    }
}
