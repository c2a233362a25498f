package dev.metis.assets;

import dev.metis.files.VerifiedDownload;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The kernels and initrds {@code serve} fetches by URL, kept under their SHA-256. A file is served only once its
 * hash was checked here and it has not changed since, so what a node boots is what the inventory's hash names
 * even if the cache is tampered with. Fetches run one at a time on a thread of their own; a failed one is tried
 * again after {@link #RETRY_AFTER}.
 */
public final class FetchedFiles implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(FetchedFiles.class);
    private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(15);
    static final Duration RETRY_AFTER = Duration.ofMinutes(1);

    private record Failure(Instant at, String why) {
    }

    private final Path dir;
    private final FileHashes hashes = new FileHashes();
    private final Clock clock;
    private final ExecutorService fetcher = Executors.newSingleThreadExecutor(r -> {
        Thread thread = new Thread(r, "metis-fetch");
        thread.setDaemon(true);
        return thread;
    });
    private final Map<String, Future<?>> fetching = new ConcurrentHashMap<>();
    private final Map<String, Failure> failures = new ConcurrentHashMap<>();

    public FetchedFiles(Path dir, Clock clock) {
        this.dir = dir;
        this.clock = clock;
    }

    public Path dir() {
        return dir;
    }

    FileHashes hashes() {
        return hashes;
    }

    /** The file to serve for a hash a client asked for: in the cache, checked, and unchanged since. */
    public Optional<Path> servable(String sha256) {
        if (!SHA256.matcher(sha256).matches()) {
            return Optional.empty();
        }
        Path file = dir.resolve(sha256);
        return hashes.known(file).filter(sha256::equals).map(known -> file);
    }

    /**
     * Whether the file is in the cache with its hash (checked now if it is new or changed); if not, starts
     * fetching it, unless that is under way or failed less than {@link #RETRY_AFTER} ago.
     */
    Finding ensure(NeededAsset need) {
        Path file = need.file();
        if (Files.isRegularFile(file)) {
            try {
                String actual = hashes.of(file);
                if (actual.equals(need.sha256())) {
                    return Finding.ok(need, "fetched and checked, in " + file);
                }
                LOG.warn("{} has SHA-256 {}, not {}: deleted, to be fetched again", file, actual, need.sha256());
                Files.deleteIfExists(file);
            } catch (IOException e) {
                return Finding.problem(need, "its cache entry " + file + " cannot be read: " + e.getMessage());
            }
        }
        if (fetching.containsKey(need.sha256())) {
            return Finding.problem(need, "being fetched into " + file);
        }
        Failure failed = failures.get(need.sha256());
        if (failed != null && clock.instant().isBefore(failed.at().plus(RETRY_AFTER))) {
            return Finding.problem(need, "fetching it into " + file + " failed: " + failed.why() + " (tried again "
                    + RETRY_AFTER.toMinutes() + " min after)");
        }
        fetching.computeIfAbsent(need.sha256(), sha256 -> fetcher.submit(() -> fetch(need)));
        return Finding.problem(need, "being fetched into " + file);
    }

    private void fetch(NeededAsset need) {
        try {
            VerifiedDownload.fetch(URI.create(need.url()), need.sha256(), need.file(), CONNECT_TIMEOUT,
                    VerifiedDownload.Progress.NONE);
            failures.remove(need.sha256());
            LOG.info("fetched {} ({} of node {}) into {}", need.url(), need.field(), need.node(), need.file());
        } catch (IOException | IllegalArgumentException e) {
            String why = e instanceof IOException io ? VerifiedDownload.describe(io) : "not a valid URL";
            failures.put(need.sha256(), new Failure(clock.instant(), why));
            LOG.warn("fetching {} ({} of node {}) failed: {}", need.url(), need.field(), need.node(), why);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            fetching.remove(need.sha256());
        }
    }

    /** Stops a fetch under way: its temporary file is deleted by the next fetch into this cache. */
    @Override
    public void close() {
        fetcher.shutdownNow();
    }
}
