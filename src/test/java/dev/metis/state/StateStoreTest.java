package dev.metis.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.metis.testing.TestClock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
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
            assertThat(store.status("n5").events()).hasSize(20);
        }
    }

    @Test
    void twoServersCannotShareAStateDirectory() throws Exception {
        try (StateStore first = StateStore.open(dir, clock)) {
            assertThatThrownBy(() -> StateStore.open(dir, clock)).hasMessageContaining("in use by another Metis process");
        }
    }
}
