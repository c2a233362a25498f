package dev.metis.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.metis.testing.DirectoryContents;
import dev.metis.testing.TestClock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StateStoreTest {

    @TempDir
    Path dir;

    private final TestClock clock = new TestClock(Instant.parse("2026-01-01T00:00:00Z"));

    @Test
    void newNodesStartArmedAndMoveThroughTheCycle() throws Exception {
        try (StateStore store = StateStore.open(dir, clock)) {
            assertThat(store.status("a").state()).isEqualTo(NodeState.ARMED);
            store.scriptServed("a", "h1", "10.0.0.5");
            assertThat(store.status("a").state()).isEqualTo(NodeState.BOOTING);
            store.phoneHome("a", "h1", "10.0.0.5");
            assertThat(store.status("a").state()).isEqualTo(NodeState.PROVISIONED);
            assertThat(store.status("a").provisionedHash()).isEqualTo("h1");
            store.scriptServed("a", "h2", "10.0.0.5");
            assertThat(store.status("a").state()).as("a provisioned node stays provisioned").isEqualTo(NodeState.PROVISIONED);
            store.rearm("a", "admin");
            assertThat(store.status("a").state()).isEqualTo(NodeState.ARMED);
        }
    }

    /** An install's reports: kept with their details across a restart; progress is one moving figure. */
    @Test
    void installReportsMoveTheNodeToInstalledAndSurviveReopening() throws Exception {
        try (StateStore store = StateStore.open(dir, clock)) {
            store.scriptServed("a", "h1", "10.0.0.5");
            store.reported("a", NodeEvent.INSTALL_STARTED, "writing /dev/vda", "10.0.0.5");
            store.reported("a", NodeEvent.INSTALL_PROGRESS, "64 MiB written", "10.0.0.5");
            store.reported("a", NodeEvent.INSTALL_PROGRESS, "128 MiB written", "10.0.0.5");
            assertThat(store.status("a").state()).isEqualTo(NodeState.BOOTING);
            store.reported("a", NodeEvent.INSTALL_VERIFIED, "128 MiB verified", "10.0.0.5");
            assertThat(store.status("a").state()).isEqualTo(NodeState.INSTALLED);
        }
        try (StateStore store = StateStore.open(dir, clock)) {
            assertThat(store.status("a").state()).isEqualTo(NodeState.INSTALLED);
            assertThat(store.status("a").events()).extracting(e -> e.event() + ": " + e.detail()).containsExactly(
                    "script: null", "install-started: writing /dev/vda", "install-progress: 128 MiB written",
                    "install-verified: 128 MiB verified");
            store.phoneHome("a", "h1", "10.0.0.7");
            assertThat(store.status("a").state()).isEqualTo(NodeState.PROVISIONED);
        }
    }

    @Test
    void stateSurvivesReopeningAndATornLastLine() throws Exception {
        try (StateStore store = StateStore.open(dir, clock)) {
            store.phoneHome("a", "h1", "10.0.0.5");
            store.discoveredMac("02:00:00:00:00:09", "10.0.0.9");
        }
        Files.writeString(dir.resolve("journal.jsonl"), "{\"seq\":99,\"at\":\"2026-01-", StandardOpenOption.APPEND);
        try (StateStore store = StateStore.open(dir, clock)) {
            assertThat(store.status("a").state()).isEqualTo(NodeState.PROVISIONED);
            assertThat(store.discovered()).extracting(DiscoveredMac::mac).containsExactly("02:00:00:00:00:09");
            store.rearm("a", "admin");
        }
        try (StateStore store = StateStore.open(dir, clock)) {
            assertThat(store.status("a").state()).isEqualTo(NodeState.ARMED);
            assertThat(store.status("a").events()).extracting(NodeEvent::event).containsExactly("phone-home", "rearmed");
        }
    }

    @Test
    void repeatedFetchesAreOneEventUntilTheWindowPasses() throws Exception {
        try (StateStore store = StateStore.open(dir, clock)) {
            for (int i = 0; i < 100; i++) {
                store.seedServed("a", "h1", "10.0.0.5");
            }
            assertThat(store.status("a").events()).hasSize(1);
            clock.advance(Duration.ofMinutes(2));
            store.seedServed("a", "h1", "10.0.0.5");
            assertThat(store.status("a").events()).hasSize(2);
            assertThat(store.status("a").lastSeen()).isEqualTo(clock.instant());
        }
        assertThat(Files.readAllLines(dir.resolve("journal.jsonl"))).hasSize(2);
    }

    @Test
    void theJournalIsCompactedIntoASnapshotWithoutLosingState() throws Exception {
        try (StateStore store = StateStore.open(dir, clock)) {
            for (int i = 0; i < 6000; i++) {
                clock.advance(Duration.ofSeconds(1));
                store.scriptServed("n" + (i % 7), "h" + i, "10.0.0.5");
                if (i == 5999) {
                    store.phoneHome("n3", "final", "10.0.0.5");
                }
            }
        }
        assertThat(dir.resolve("snapshot.json")).exists();
        assertThat(Files.readAllLines(dir.resolve("journal.jsonl")).size()).isLessThan(5000);
        try (StateStore store = StateStore.open(dir, clock)) {
            assertThat(store.status("n3").state()).isEqualTo(NodeState.PROVISIONED);
            assertThat(store.status("n3").provisionedHash()).isEqualTo("final");
            assertThat(store.status("n5").servedHash()).isEqualTo("h5997");
            assertThat(store.status("n5").events()).hasSize(StateStore.EVENTS_KEPT);
        }
    }

    private final List<StateStore.DiscoveredDrop> drops = new ArrayList<>();

    private StateStore open(StateStore.DiscoveredLimits limits) throws Exception {
        return StateStore.open(dir, clock, limits, event -> { }, drops::add);
    }

    private static String mac(int i) {
        return String.format("02:00:00:%02x:%02x:%02x", (i >> 16) & 0xff, (i >> 8) & 0xff, i & 0xff);
    }

    /** Issue #18: 20,000 spoofed DISCOVERs made 19,496 discovered MACs, in the API and the snapshot. */
    @Test
    void aFloodOfMadeUpMacsIsRateLimitedAndCappedAndCounted() throws Exception {
        StateStore.DiscoveredLimits limits = StateStore.DiscoveredLimits.DEFAULT;
        try (StateStore store = open(limits)) {
            for (int i = 0; i < 20_000; i++) {
                store.discoveredMac(mac(i), "10.0.0.9");
            }
            assertThat(store.discovered()).as("the burst is written, the rest dropped").hasSize(limits.burst());
            assertThat(drops).hasSize(20_000 - limits.burst()).containsOnly(StateStore.DiscoveredDrop.RATE_LIMITED);
            clock.advance(Duration.ofSeconds(10));
            for (int i = 20_000; i < 20_100; i++) {
                store.discoveredMac(mac(i), "10.0.0.9");
            }
            assertThat(store.discovered()).as("ten seconds refill ten").hasSize(limits.burst() + 10);
            // An hour of flood at the refill rate: the cap holds, the ones seen longest ago go first.
            for (int second = 0; second < 3600; second++) {
                clock.advance(Duration.ofSeconds(1));
                store.discoveredMac(mac(30_000 + second), "10.0.0.9");
            }
            assertThat(store.discovered()).hasSize(limits.max());
            assertThat(store.discovered().get(limits.max() - 1).mac()).isEqualTo(mac(30_000 + 3599));
            assertThat(drops).filteredOn(StateStore.DiscoveredDrop.FULL::equals)
                    .hasSize(limits.burst() + 10 + 3600 - limits.max());
        }
        assertThat(Files.size(dir.resolve("journal.jsonl")) + sizeOrZero(dir.resolve("snapshot.json")))
                .as("what the flood wrote").isLessThan(1_000_000);
        try (StateStore store = open(limits)) {
            assertThat(store.discovered()).as("replayed within the cap").hasSize(limits.max());
        }
    }

    @Test
    void theMacSeenLongestAgoIsForgottenWhenFullAndAnyUnseenForAWeek() throws Exception {
        StateStore.DiscoveredLimits limits = new StateStore.DiscoveredLimits(3, Duration.ofDays(7), 100, 1);
        try (StateStore store = open(limits)) {
            for (int i = 1; i <= 3; i++) {
                store.discoveredMac(mac(i), "10.0.0.9");
                clock.advance(Duration.ofMinutes(2));
            }
            store.discoveredMac(mac(1), "10.0.0.1");
            store.discoveredMac(mac(4), "10.0.0.9");
            assertThat(store.discovered()).extracting(DiscoveredMac::mac).containsExactly(mac(3), mac(1), mac(4));
            assertThat(drops).containsExactly(StateStore.DiscoveredDrop.FULL);
            clock.advance(Duration.ofDays(7).minusMinutes(3));
            assertThat(store.discovered()).extracting(DiscoveredMac::mac).containsExactly(mac(3), mac(1), mac(4));
            clock.advance(Duration.ofMinutes(2));
            assertThat(store.discovered()).extracting(DiscoveredMac::mac).containsExactly(mac(1), mac(4));
            clock.advance(Duration.ofMinutes(2));
            assertThat(store.discovered()).isEmpty();
            assertThat(drops).filteredOn(StateStore.DiscoveredDrop.EXPIRED::equals).hasSize(3);
        }
        try (StateStore store = open(limits)) {
            assertThat(store.discovered()).as("expired ones are not replayed").isEmpty();
        }
    }

    @Test
    void aKnownMacSeenWhileRateLimitedIsUpdatedInMemory() throws Exception {
        StateStore.DiscoveredLimits limits = new StateStore.DiscoveredLimits(10, Duration.ofDays(7), 1, 0.001);
        try (StateStore store = open(limits)) {
            store.discoveredMac(mac(1), "10.0.0.1");
            clock.advance(Duration.ofMinutes(5));
            store.discoveredMac(mac(1), "10.0.0.2");
            store.discoveredMac(mac(2), "10.0.0.3");
            assertThat(store.discovered()).singleElement().satisfies(d -> {
                assertThat(d.lastSeen()).isEqualTo(clock.instant());
                assertThat(d.lastAddress()).isEqualTo("10.0.0.2");
                assertThat(d.requests()).isEqualTo(2);
            });
            assertThat(drops).containsExactly(StateStore.DiscoveredDrop.RATE_LIMITED);
        }
        assertThat(Files.readAllLines(dir.resolve("journal.jsonl"))).hasSize(1);
    }

    private static long sizeOrZero(Path file) throws Exception {
        return Files.exists(file) ? Files.size(file) : 0;
    }

    @Test
    void aReaderBesideTheServerSeesItsStateAndWritesNothing() throws Exception {
        Path journal = dir.resolve("journal.jsonl");
        try (StateStore store = StateStore.open(dir, clock)) {
            store.scriptServed("a", "h1", "10.0.0.5");
            store.phoneHome("a", "h1", "10.0.0.5");
            store.discoveredMac("02:00:00:00:00:09", "10.0.0.9");
            // an append under way: the reader skips it and leaves it to the server
            Files.writeString(journal, "{\"seq\":99,\"at\":\"2026-01-", StandardOpenOption.APPEND);
            Map<String, String> before = DirectoryContents.of(dir);

            NodeStates read = StateStore.read(dir, clock);

            assertThat(read.status("a").state()).isEqualTo(NodeState.PROVISIONED);
            assertThat(read.status("a").events()).extracting(NodeEvent::event).containsExactly("script", "phone-home");
            assertThat(read.status("b")).isEqualTo(NodeStatus.NEW);
            assertThat(read.discovered()).extracting(DiscoveredMac::mac).containsExactly("02:00:00:00:00:09");
            assertThat(DirectoryContents.of(dir)).isEqualTo(before);
        }
    }

    @Test
    void readingADirectoryNoServerUsedYetMakesNothingThere() throws Exception {
        assertThat(StateStore.read(dir, clock).nodes()).isEmpty();
        assertThat(DirectoryContents.of(dir)).isEmpty();
    }

    @Test
    void aReaderSeesWhatACompactionMovedIntoTheSnapshot() throws Exception {
        try (StateStore store = StateStore.open(dir, clock)) {
            for (int i = 0; i < 5200; i++) {
                store.scriptServed("n" + (i % 3), "h" + i, "10.0.0.5");
                clock.advance(Duration.ofMinutes(2));
            }
            store.phoneHome("n1", "final", "10.0.0.5");
            assertThat(dir.resolve("snapshot.json")).exists();
            NodeStates read = StateStore.read(dir, clock);
            assertThat(read.status("n0").servedHash()).isEqualTo("h5199");
            assertThat(read.status("n1").provisionedHash()).isEqualTo("final");
        }
    }

    @Test
    void twoServersCannotShareAStateDirectory() throws Exception {
        try (StateStore first = StateStore.open(dir, clock)) {
            assertThatThrownBy(() -> StateStore.open(dir, clock)).hasMessageContaining("in use by another Metis process");
        }
    }
}
