package dev.metis.state;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Node states and events, kept in a state directory so they survive restarts and {@code kill -9}.
 *
 * <p>Every change is appended to {@code journal.jsonl}; changes that an answer depends on (phone-home,
 * re-arm) are forced to disk before the method returns. When the journal grows, the whole state is
 * written to {@code snapshot.json} (atomically) and the journal starts again; each journal line has a
 * sequence number so lines already in a snapshot are skipped on replay. A torn last line from a crash
 * is ignored.
 *
 * <p>Unknown MACs are made up by the thousand by anyone on the LAN, so what is kept of them is bounded
 * ({@link DiscoveredLimits}): a number of MACs, forgotten when unseen for long, and a rate at which their
 * sightings are written.
 */
public final class StateStore implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(StateStore.class);
    /** Enough for an install's steps and cloud-init's stages besides the boots around them. */
    static final int EVENTS_KEPT = 40;
    private static final int COMPACT_AFTER = 5000;
    /** Repeated fetches of the same thing are one event, not one per request. */
    private static final Duration REPEAT_WINDOW = Duration.ofSeconds(60);

    /** One journal line. Exactly one of {@code node} and {@code mac} is set. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Entry(long seq, Instant at, String node, String mac, String event, String hash, String from,
            String detail) {
    }

    record Snapshot(long seq, Map<String, Record> nodes, Map<String, DiscoveredMac> discovered) {
    }

    /**
     * @param max       MACs kept; a new one beyond makes the one seen longest ago forgotten
     * @param keepFor   a MAC not seen for this long is forgotten
     * @param burst     sightings written at once, as a token bucket...
     * @param perSecond ...refilled at this rate: beyond, a new MAC is not recorded, and a known one's sighting is
     *                  kept in memory only
     */
    public record DiscoveredLimits(int max, Duration keepFor, int burst, double perSecond) {
        public static final DiscoveredLimits DEFAULT = new DiscoveredLimits(1024, Duration.ofDays(7), 256, 1);
    }

    /** Why a discovered MAC, or a sighting of a new one, was dropped. */
    public enum DiscoveredDrop {
        /** a new MAC while sightings were being written faster than the limit */
        RATE_LIMITED,
        /** forgotten for a newer one, being the one seen longest ago when the limit was reached */
        FULL,
        /** not seen for longer than kept */
        EXPIRED;

        public String label() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }
    }

    static final class Record {
        public NodeState state = NodeState.ARMED;
        public String servedHash;
        public String provisionedHash;
        public Instant lastSeen;
        public Deque<NodeEvent> events = new ArrayDeque<>();

        NodeStatus status() {
            return new NodeStatus(state, servedHash, provisionedHash, lastSeen, new ArrayList<>(events));
        }
    }

    private final Path dir;
    private final Clock clock;
    private final Consumer<String> journaled;
    private final DiscoveredLimits limits;
    private final Consumer<DiscoveredDrop> dropped;
    private final FileChannel lockChannel;
    private final FileLock lock;
    private final Map<String, Record> nodes = new LinkedHashMap<>();
    /** In the order last seen, so the first is the next to expire or to be forgotten when full. */
    private final Map<String, DiscoveredMac> discovered = new LinkedHashMap<>();
    private double writeTokens;
    private long tokensAt;
    private FileChannel journal;
    private long seq;
    private int journalLines;

    /** @param owner whether this store writes the directory (holding its lock), or only reads it as it is */
    private StateStore(Path dir, Clock clock, DiscoveredLimits limits, Consumer<String> journaled,
            Consumer<DiscoveredDrop> dropped, boolean owner) throws IOException {
        this.dir = dir;
        this.clock = clock;
        this.limits = limits;
        this.journaled = journaled;
        this.dropped = dropped;
        this.writeTokens = limits.burst();
        this.tokensAt = clock.millis();
        if (!owner) {
            lockChannel = null;
            lock = null;
            load(false);
            forgetExpired(clock.instant(), false);
            return;
        }
        Files.createDirectories(dir);
        lockChannel = FileChannel.open(dir.resolve("lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock acquired;
        try {
            acquired = lockChannel.tryLock();
        } catch (java.nio.channels.OverlappingFileLockException sameProcess) {
            acquired = null;
        }
        lock = acquired;
        if (lock == null) {
            lockChannel.close();
            throw new IOException("state directory " + dir + " is in use by another Metis process");
        }
        load(true);
        forgetExpired(clock.instant(), false);
        journal = FileChannel.open(journalFile(), StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.APPEND);
    }

    public static StateStore open(Path dir, Clock clock) throws IOException {
        return open(dir, clock, DiscoveredLimits.DEFAULT, event -> { }, drop -> { });
    }

    /**
     * @param journaled hears the name of every event as it is journaled from now on (replayed ones are not)
     * @param dropped   hears each discovered MAC or new sighting dropped from now on
     */
    public static StateStore open(Path dir, Clock clock, DiscoveredLimits limits, Consumer<String> journaled,
            Consumer<DiscoveredDrop> dropped) throws IOException {
        return new StateStore(dir, clock, limits, journaled, dropped, true);
    }

    /**
     * The node states and discovered MACs the directory holds, read without its lock and without writing
     * anything there (not even the lock file): safe beside the server that owns it.
     */
    public static NodeStates read(Path dir, Clock clock) throws IOException {
        StateStore replayed = new StateStore(dir, clock, DiscoveredLimits.DEFAULT, event -> { }, drop -> { }, false);
        Map<String, NodeStatus> statuses = new LinkedHashMap<>();
        replayed.nodes.forEach((node, record) -> statuses.put(node, record.status()));
        return new NodeStates(statuses, List.copyOf(replayed.discovered.values()));
    }

    public synchronized NodeStatus status(String node) {
        Record record = nodes.get(node);
        return record == null ? NodeStatus.NEW : record.status();
    }

    /** Unknown MACs that asked to boot, the one seen longest ago first. */
    public synchronized List<DiscoveredMac> discovered() {
        forgetExpired(clock.instant(), true);
        return List.copyOf(discovered.values());
    }

    /** A node was sent its own boot script: an armed node is now booting. */
    public synchronized void scriptServed(String node, String hash, String from) {
        record(node, NodeEvent.SCRIPT, hash, from, false);
    }

    /** A node fetched its seed (user-data). */
    public synchronized void seedServed(String node, String hash, String from) {
        record(node, NodeEvent.SEED, hash, from, false);
    }

    /** A provisioned node was told to boot from disk. */
    public synchronized void exitServed(String node, String from) {
        record(node, NodeEvent.EXIT, null, from, false);
    }

    /** The node reports it applied the config with {@code hash}; on disk before this returns. */
    public synchronized NodeStatus phoneHome(String node, String hash, String from) {
        record(node, NodeEvent.PHONE_HOME, hash, from, true);
        return nodes.get(node).status();
    }

    /** The node will be (re)provisioned at its next boot; on disk before this returns. */
    public synchronized NodeStatus rearm(String node, String by) {
        record(node, NodeEvent.REARMED, null, by, true);
        return nodes.get(node).status();
    }

    /**
     * Another address claimed the node's MAC after its user-data was fetched (see
     * {@code SeedBindings}); shown on the node's page until it is re-armed. On disk before this returns.
     */
    public synchronized void seedConflict(String node, String claimedBy) {
        record(node, NodeEvent.SEED_CONFLICT, null, claimedBy, true);
    }

    public synchronized void discoveredMac(String mac, String from) {
        Instant now = clock.instant();
        forgetExpired(now, true);
        DiscoveredMac known = discovered.get(mac);
        boolean repeat = known != null && Duration.between(known.lastSeen(), now).compareTo(REPEAT_WINDOW) < 0;
        if (!repeat && takeWriteToken(now.toEpochMilli())) {
            append(new Entry(++seq, now, null, mac, NodeEvent.DISCOVERED, null, from, null), false);
        } else if (known != null) {
            seen(new DiscoveredMac(mac, known.firstSeen(), now, from, known.requests() + 1));
        } else {
            dropped.accept(DiscoveredDrop.RATE_LIMITED);
        }
    }

    private boolean takeWriteToken(long nowMillis) {
        writeTokens = Math.min(limits.burst(), writeTokens + Math.max(0, nowMillis - tokensAt) * limits.perSecond() / 1000);
        tokensAt = nowMillis;
        if (writeTokens < 1) {
            return false;
        }
        writeTokens--;
        return true;
    }

    /** Moves the MAC to the end of the order last seen. */
    private void seen(DiscoveredMac mac) {
        discovered.remove(mac.mac());
        discovered.put(mac.mac(), mac);
    }

    /** @param live whether to report what is forgotten (not while replaying what was reported before) */
    private void forgetExpired(Instant now, boolean live) {
        Instant cutoff = now.minus(limits.keepFor());
        for (var oldest = discovered.values().iterator(); oldest.hasNext(); ) {
            if (!oldest.next().lastSeen().isBefore(cutoff)) {
                return;
            }
            oldest.remove();
            if (live) {
                dropped.accept(DiscoveredDrop.EXPIRED);
            }
        }
    }

    /**
     * A step the node's recovery environment or cloud-init reported ({@code event} one of the
     * {@code install-*} events or {@code cloud-init}). A verified install makes the node {@code installed};
     * that, a failure and a finished cloud-init stage are on disk before this returns.
     */
    public synchronized NodeStatus reported(String node, String event, String detail, String from) {
        boolean durable = !event.equals(NodeEvent.INSTALL_PROGRESS);
        append(new Entry(++seq, clock.instant(), node, null, event, null, from, detail), durable);
        return nodes.get(node).status();
    }

    private void record(String node, String event, String hash, String from, boolean durable) {
        Record record = nodes.get(node);
        Instant now = clock.instant();
        if (!durable && record != null && !record.events.isEmpty()) {
            NodeEvent last = record.events.peekLast();
            if (last.event().equals(event) && Objects.equals(last.hash(), hash)
                    && Duration.between(last.at(), now).compareTo(REPEAT_WINDOW) < 0) {
                record.lastSeen = now;
                return;
            }
        }
        append(new Entry(++seq, now, node, null, event, hash, from, null), durable);
    }

    private void append(Entry entry, boolean durable) {
        apply(entry, true);
        try {
            byte[] line = (StateJson.MAPPER.writeValueAsString(entry) + "\n").getBytes(StandardCharsets.UTF_8);
            ByteBuffer buffer = ByteBuffer.wrap(line);
            while (buffer.hasRemaining()) {
                journal.write(buffer);
            }
            if (durable) {
                journal.force(false);
            }
            if (++journalLines >= COMPACT_AFTER) {
                compact();
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write node state to " + journalFile(), e);
        }
        journaled.accept(entry.event());
    }

    /** @param live whether to report what is dropped (not while replaying what was reported before) */
    private void apply(Entry entry, boolean live) {
        seq = Math.max(seq, entry.seq());
        if (entry.mac() != null) {
            DiscoveredMac known = discovered.get(entry.mac());
            seen(known == null
                    ? new DiscoveredMac(entry.mac(), entry.at(), entry.at(), entry.from(), 1)
                    : new DiscoveredMac(entry.mac(), known.firstSeen(), entry.at(), entry.from(), known.requests() + 1));
            while (discovered.size() > limits.max()) {
                discovered.remove(discovered.keySet().iterator().next());
                if (live) {
                    dropped.accept(DiscoveredDrop.FULL);
                }
            }
            return;
        }
        Record record = nodes.computeIfAbsent(entry.node(), n -> new Record());
        switch (entry.event()) {
            case NodeEvent.SCRIPT, NodeEvent.SEED -> {
                record.servedHash = entry.hash();
                if (record.state == NodeState.ARMED) {
                    record.state = NodeState.BOOTING;
                }
            }
            case NodeEvent.PHONE_HOME -> {
                record.state = NodeState.PROVISIONED;
                record.provisionedHash = entry.hash();
            }
            case NodeEvent.REARMED -> record.state = NodeState.ARMED;
            case NodeEvent.INSTALL_VERIFIED -> record.state = NodeState.INSTALLED;
            default -> {
                // exit and unknown events change no state; they are history only
            }
        }
        record.lastSeen = entry.at();
        if (entry.event().equals(NodeEvent.INSTALL_PROGRESS) && !record.events.isEmpty()
                && record.events.peekLast().event().equals(NodeEvent.INSTALL_PROGRESS)) {
            // Progress is a figure that moves, not a history: the timeline keeps the latest.
            record.events.removeLast();
        }
        record.events.addLast(new NodeEvent(entry.at(), entry.event(), entry.hash(), entry.from(), entry.detail()));
        while (record.events.size() > EVENTS_KEPT) {
            record.events.removeFirst();
        }
    }

    /**
     * @param repair whether a torn last journal line is cut off the file (by the owner), or only skipped (by
     *               a reader, which writes nothing)
     */
    private void load(boolean repair) throws IOException {
        // The journal before the snapshot: a compaction writes the snapshot before it empties the journal,
        // so a reader beside a running server gets either both of before it or a snapshot holding what the
        // journal it read held. Read the other way round, the lines between the two snapshots would be lost.
        List<String> lines = Files.exists(journalFile()) ? wholeJournalLines(repair) : List.of();
        Path snapshotFile = snapshotFile();
        long snapshotSeq = 0;
        if (Files.exists(snapshotFile)) {
            Snapshot snapshot = StateJson.MAPPER.readValue(snapshotFile.toFile(), Snapshot.class);
            snapshotSeq = snapshot.seq();
            seq = snapshot.seq();
            nodes.putAll(snapshot.nodes());
            // in the order last seen, and within the limit, whatever the snapshot's (earlier ones kept them all)
            snapshot.discovered().values().stream().sorted(Comparator.comparing(DiscoveredMac::lastSeen))
                    .skip(Math.max(0, snapshot.discovered().size() - limits.max())).forEach(this::seen);
        }
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (line.isBlank()) {
                continue;
            }
            try {
                Entry entry = StateJson.MAPPER.readValue(line, Entry.class);
                if (entry.seq() > snapshotSeq) {
                    apply(entry, false);
                }
                journalLines++;
            } catch (JsonProcessingException e) {
                LOG.warn("{}:{}: skipping unreadable journal line", journalFile(), i + 1);
            }
        }
    }

    /**
     * The journal's whole lines. A crash in the middle of an append leaves a line without its newline (as
     * does an append still under way, for a reader); the owner cuts it off, or the next append would be
     * glued to it and lost as well.
     */
    private List<String> wholeJournalLines(boolean repair) throws IOException {
        byte[] bytes = Files.readAllBytes(journalFile());
        int end = bytes.length;
        while (end > 0 && bytes[end - 1] != '\n') {
            end--;
        }
        if (repair && end < bytes.length) {
            LOG.warn("{}: dropping {} bytes of an interrupted write at the end", journalFile(), bytes.length - end);
            try (FileChannel channel = FileChannel.open(journalFile(), StandardOpenOption.WRITE)) {
                channel.truncate(end);
                channel.force(true);
            }
        }
        return new String(bytes, 0, end, StandardCharsets.UTF_8).lines().toList();
    }

    private void compact() throws IOException {
        AtomicFile.replace(snapshotFile(), StateJson.MAPPER.writeValueAsBytes(new Snapshot(seq, nodes, discovered)));
        journal.truncate(0);
        journal.force(true);
        journalLines = 0;
    }

    private Path journalFile() {
        return dir.resolve("journal.jsonl");
    }

    private Path snapshotFile() {
        return dir.resolve("snapshot.json");
    }

    @Override
    public synchronized void close() throws IOException {
        journal.force(true);
        journal.close();
        lock.release();
        lockChannel.close();
    }
}
