package dev.metis.assets;

import static org.assertj.core.api.Assertions.assertThat;

import dev.metis.card.CardMaker;
import dev.metis.files.Sha256;
import dev.metis.inventory.Inventory;
import dev.metis.inventory.InventoryLoader;
import dev.metis.testing.InventoryFixture;
import dev.metis.testing.Mirror;
import dev.metis.testing.TestClock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** serve's cache of kernels fetched by URL: fetched once, served only checked, never with other bytes. */
class FetchedFilesTest {

    private static final byte[] KERNEL = "a distribution's netboot kernel".getBytes(StandardCharsets.UTF_8);
    private static final String HASH = Sha256.hex(KERNEL);

    @TempDir
    Path dir;
    private Mirror mirror;
    private FetchedFiles fetched;
    private AssetWatch watch;
    private final TestClock clock = new TestClock(Instant.parse("2026-12-07T10:00:00Z"));

    @BeforeEach
    void setUp() throws Exception {
        mirror = Mirror.start();
        fetched = new FetchedFiles(dir.resolve("state/fetched"), clock);
        AssetRoots roots = new AssetRoots(dir.resolve("boot-assets"), fetched.dir(), dir.resolve("image-cache"));
        Inventory inventory = InventoryLoader.load(InventoryFixture.write(dir, "inventory.yaml", InventoryFixture.site(null) + """
                classes:
                  c: {arch: amd64, delivery: netboot, netboot: {kernel: {url: "%s", sha256: %s}}}
                nodes:
                  n1: {class: c, mac: 02:00:00:00:00:01, ip: 192.0.2.21/24}
                  n2: {class: c, mac: 02:00:00:00:00:02, ip: 192.0.2.22/24}
                """.formatted(mirror.url("/linux"), HASH)));
        watch = new AssetWatch(() -> inventory, AssetProbe.serving(roots, fetched, clock,
                CardMaker::seedPlaceProblem));
    }

    @AfterEach
    void tearDown() {
        fetched.close();
        mirror.close();
    }

    /** Looks until the fetch under way has ended, and returns what the look after that found. */
    private List<String> problemsOnceFetched() throws Exception {
        for (int i = 0; i < 600; i++) {
            watch.recheck();
            List<String> problems = watch.report().problems().stream().map(AssetReport.Group::text).toList();
            if (problems.stream().noneMatch(p -> p.startsWith("being fetched"))) {
                return problems;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("the fetch never ended: " + watch.report().problems());
    }

    @Test
    void aKernelByUrlIsFetchedOnceForAllItsNodesThenServedChecked() throws Exception {
        mirror.serve("/linux", KERNEL);
        assertThat(watch.report().done()).isFalse();
        watch.recheck();
        assertThat(watch.report().problems()).singleElement()
                .satisfies(p -> assertThat(p.nodes()).containsExactly("n1", "n2"))
                .satisfies(p -> assertThat(p.text()).isEqualTo("being fetched into " + fetched.dir().resolve(HASH)));
        assertThat(fetched.servable(HASH)).isEmpty();

        assertThat(problemsOnceFetched()).isEmpty();
        assertThat(fetched.servable(HASH)).hasValueSatisfying(file -> assertThat(file).hasBinaryContent(KERNEL));
        watch.recheck();
        assertThat(mirror.requests("GET", "/linux")).isEqualTo(1);
        assertThat(fetched.servable("../" + HASH)).isEmpty();
    }

    @Test
    void otherBytesAreNeverServedAndAreFetchedAgainOnlyAfterAWhile() throws Exception {
        mirror.serve("/linux", "a kernel someone changed".getBytes(StandardCharsets.UTF_8));
        watch.recheck();
        assertThat(problemsOnceFetched()).singleElement().asString()
                .startsWith("fetching it into " + fetched.dir().resolve(HASH) + " failed: SHA-256 ")
                .endsWith(", not " + HASH + " (tried again 1 min after)");
        assertThat(fetched.servable(HASH)).isEmpty();
        assertThat(fetched.dir().resolve(HASH)).doesNotExist();
        watch.recheck();
        assertThat(mirror.requests("GET", "/linux")).isEqualTo(1);

        mirror.serve("/linux", KERNEL);
        clock.advance(FetchedFiles.RETRY_AFTER);
        watch.recheck();
        assertThat(problemsOnceFetched()).isEmpty();
        assertThat(mirror.requests("GET", "/linux")).isEqualTo(2);
    }

    @Test
    void aCacheEntryChangedAfterItsCheckIsNotServedAndIsFetchedAgain() throws Exception {
        mirror.serve("/linux", KERNEL);
        watch.recheck();
        assertThat(problemsOnceFetched()).isEmpty();

        Files.writeString(fetched.dir().resolve(HASH), "tampered with");
        assertThat(fetched.servable(HASH)).isEmpty();
        watch.recheck();
        assertThat(problemsOnceFetched()).isEmpty();
        assertThat(fetched.servable(HASH)).hasValueSatisfying(file -> assertThat(file).hasBinaryContent(KERNEL));
        assertThat(mirror.requests("GET", "/linux")).isEqualTo(2);
    }
}
