package dev.metis.secrets;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class SecretCacheTest {

    private final AtomicLong now = new AtomicLong(-5_000_000_000L);
    private final AtomicInteger loads = new AtomicInteger();
    private final AtomicInteger reused = new AtomicInteger();

    private String get(SecretCache<String> cache, String value) {
        return cache.get("k", () -> {
            loads.incrementAndGet();
            return value;
        }, reused::incrementAndGet);
    }

    @Test
    void answersAreKeptForTheTtlOnly() {
        SecretCache<String> cache = new SecretCache<>(Duration.ofSeconds(60), now::get, v -> true);
        assertThat(get(cache, "a")).isEqualTo("a");
        now.addAndGet(Duration.ofSeconds(59).toNanos());
        assertThat(get(cache, "b")).isEqualTo("a");
        now.addAndGet(Duration.ofSeconds(2).toNanos());
        assertThat(get(cache, "c")).isEqualTo("c");
        assertThat(loads).hasValue(2);
        assertThat(reused).hasValue(1);
    }

    @Test
    void answersItDoesNotKeepAndAZeroTtlAreNeverReused() {
        SecretCache<String> failing = new SecretCache<>(Duration.ofSeconds(60), now::get, v -> !v.startsWith("fail"));
        get(failing, "fail-1");
        assertThat(get(failing, "ok")).isEqualTo("ok");
        SecretCache<String> uncached = new SecretCache<>(Duration.ZERO, now::get, v -> true);
        get(uncached, "a");
        assertThat(get(uncached, "b")).isEqualTo("b");
        assertThat(loads).hasValue(4);
    }

    @Test
    void concurrentCallersShareOneLoad() throws Exception {
        SecretCache<String> cache = new SecretCache<>(Duration.ZERO, now::get, v -> true);
        CountDownLatch loading = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            Future<String> first = pool.submit(() -> cache.get("k", () -> {
                loads.incrementAndGet();
                loading.countDown();
                await(release);
                return "shared";
            }, () -> { }));
            loading.await();
            List<Future<String>> others = new ArrayList<>();
            for (int i = 0; i < 7; i++) {
                others.add(pool.submit(() -> get(cache, "own")));
            }
            while (reused.get() < 7) {
                Thread.sleep(10);
            }
            release.countDown();
            assertThat(first.get()).isEqualTo("shared");
            for (Future<String> other : others) {
                assertThat(other.get()).isEqualTo("shared");
            }
            assertThat(loads).hasValue(1);
        } finally {
            pool.shutdownNow();
        }
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
