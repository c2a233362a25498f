package dev.metis.secrets;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * Answers by key for a while, and asks once for everyone: while a value is being loaded, other callers
 * for the same key wait for that load instead of starting their own, so a boot storm of nodes sharing
 * a path, or one node fetching its seed files, costs one request. Only answers that {@code keep} accepts
 * are reused; failures are not, so the next caller tries again.
 */
final class SecretCache<V> {

    private record Entry<V>(CompletableFuture<V> value, long expiresAt) {
    }

    private final Duration ttl;
    private final LongSupplier nanoClock;
    private final Predicate<V> keep;
    private final Map<String, Entry<V>> entries = new ConcurrentHashMap<>();

    SecretCache(Duration ttl, LongSupplier nanoClock, Predicate<V> keep) {
        this.ttl = ttl;
        this.nanoClock = nanoClock;
        this.keep = keep;
    }

    /**
     * The value for {@code key}: a fresh one, the one being loaded, or one {@code load} returns now.
     *
     * @param reused told when the answer did not need a load of its own, for metrics
     */
    V get(String key, Supplier<V> load, Runnable reused) {
        CompletableFuture<V> mine = new CompletableFuture<>();
        long now = nanoClock.getAsLong();
        Entry<V> entry = entries.compute(key, (k, old) ->
                old != null && (!old.value().isDone() || old.expiresAt() - now > 0) ? old : new Entry<>(mine, Long.MAX_VALUE));
        if (entry.value() != mine) {
            reused.run();
            return entry.value().join();
        }
        V value;
        try {
            value = load.get();
        } catch (RuntimeException | Error e) {
            entries.remove(key, entry);
            mine.completeExceptionally(e);
            throw e;
        }
        if (keep.test(value) && !ttl.isZero()) {
            entries.replace(key, entry, new Entry<>(mine, nanoClock.getAsLong() + ttl.toNanos()));
        } else {
            entries.remove(key, entry);
        }
        mine.complete(value);
        return value;
    }
}
