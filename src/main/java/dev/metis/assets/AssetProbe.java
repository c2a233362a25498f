package dev.metis.assets;

import dev.metis.files.SafePath;
import dev.metis.inventory.Inventory;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Looks at the files nodes need: a local file must exist and be readable, and match its hash where the inventory
 * gives one; a URL must be in its cache or answer a HEAD, since downloading gigabytes to check is no check. A
 * golden image at hand must have a place for the seed, when an {@link ImageLayout} is given to ask.
 * Hashes are remembered by file ({@link FileHashes}), answers by URL for a while, so looking again is cheap.
 */
public final class AssetProbe {

    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);
    private static final Duration HEAD_TIMEOUT = Duration.ofSeconds(10);
    /** A URL that answered is asked again after this; one that did not, sooner, so a fixed one is seen soon. */
    static final Duration ASK_AGAIN_REACHABLE = Duration.ofMinutes(10);
    static final Duration ASK_AGAIN_UNREACHABLE = Duration.ofMinutes(1);

    private record Answer(Instant until, String problem, String status) {
    }

    /** An image's layout answer, for the file as it was when asked. */
    private record Layout(long size, FileTime modified, Optional<String> problem) {
    }

    private final AssetRoots roots;
    private final FileHashes hashes;
    private final Clock clock;
    private final FetchedFiles fetched;
    /** Null where images are not looked into. */
    private final ImageLayout imageLayout;
    private final Map<Path, Layout> layouts = new ConcurrentHashMap<>();
    private final HttpClient client = HttpClient.newBuilder().connectTimeout(CONNECT_TIMEOUT)
            .followRedirects(HttpClient.Redirect.NORMAL).build();
    private final Map<String, Answer> answers = new ConcurrentHashMap<>();

    AssetProbe(AssetRoots roots, FileHashes hashes, Clock clock, FetchedFiles fetched, ImageLayout imageLayout) {
        this.roots = roots;
        this.hashes = hashes;
        this.clock = clock;
        this.fetched = fetched;
        this.imageLayout = imageLayout;
    }

    /**
     * For a look from the command line: a kernel or initrd by URL is fine in {@code serve}'s cache or reachable;
     * a golden image at hand is asked of {@code imageLayout}.
     */
    public static AssetProbe once(AssetRoots roots, ImageLayout imageLayout) {
        return new AssetProbe(roots, new FileHashes(), Clock.systemUTC(), null, imageLayout);
    }

    /**
     * For {@code serve}: a kernel or initrd by URL is fine once fetched and checked, and fetched if it is not;
     * an image at hand is looked at for a place for the seed, as {@code inventory check} does.
     */
    public static AssetProbe serving(AssetRoots roots, FetchedFiles fetched, Clock clock, ImageLayout imageLayout) {
        return new AssetProbe(roots, fetched.hashes(), clock, fetched, imageLayout);
    }

    /** A look at every file the inventory's nodes need. */
    public AssetReport check(Inventory inventory) {
        return new AssetReport(true, AssetNeeds.of(inventory, roots).stream().flatMap(need -> check(need).stream()).toList());
    }

    /** What is wrong with the file (a placeholder hash and a missing file are two findings), or how it was found. */
    List<Finding> check(NeededAsset need) {
        List<Finding> findings = new ArrayList<>();
        if (need.placeholderHash()) {
            findings.add(Finding.problem(need, "its sha256 is a placeholder (one digit, 64 times): give the file's own"));
        }
        findings.add(switch (need.kind()) {
            case SERVED -> served(need);
            case IMAGE_FILE -> withSeedPlace(need, localFile(need));
            case DIRECT -> reachable(need, "not reachable: ", "reachable");
            // A placeholder never matches: fetching with it would only fail again and again.
            case FETCHED -> fetched == null ? cachedOrReachable(need)
                    : need.placeholderHash() ? Finding.ok(need) : fetched.ensure(need);
            case IMAGE_URL -> withSeedPlace(need, cachedOrReachable(need));
        });
        return findings;
    }

    /** As {@code serve} maps the path: under the boot assets, no {@code ..}, no symlink out. */
    private Finding served(NeededAsset need) {
        Optional<SafePath.Resolved> resolved;
        try {
            resolved = SafePath.resolve(roots.bootAssets(), need.written());
        } catch (IOException e) {
            return Finding.problem(need, "cannot be read: " + e.getMessage());
        }
        if (resolved.isEmpty()) {
            return Finding.problem(need, Files.exists(need.file()) ? "not served: not a regular file under the boot assets"
                    : "no such file");
        }
        return Files.isReadable(resolved.get().path()) ? Finding.ok(need) : Finding.problem(need, "not readable");
    }

    private Finding localFile(NeededAsset need) {
        Path file = need.file();
        if (!Files.exists(file)) {
            return Finding.problem(need, "no such file");
        }
        if (!Files.isRegularFile(file) || !Files.isReadable(file)) {
            return Finding.problem(need, "not a readable file");
        }
        if (need.sha256() == null || need.placeholderHash()) {
            return Finding.ok(need);
        }
        try {
            String actual = hashes.of(file);
            return actual.equals(need.sha256()) ? Finding.ok(need)
                    : Finding.problem(need, "its SHA-256 is " + actual + ", not the inventory's " + need.sha256());
        } catch (IOException e) {
            return Finding.problem(need, "cannot be read: " + e.getMessage());
        }
    }

    /** A golden image found fine, and at hand, must also have a place for the seed. */
    private Finding withSeedPlace(NeededAsset need, Finding found) {
        if (imageLayout == null || !found.ok() || !Files.isRegularFile(need.file())) {
            return found;
        }
        try {
            BasicFileAttributes now = Files.readAttributes(need.file(), BasicFileAttributes.class);
            Layout known = layouts.get(need.file());
            if (known == null || known.size() != now.size() || !known.modified().equals(now.lastModifiedTime())) {
                known = new Layout(now.size(), now.lastModifiedTime(), imageLayout.seedPlaceProblem(need.file()));
                layouts.put(need.file(), known);
            }
            return known.problem().map(problem -> Finding.problem(need, "no place for the seed: " + problem))
                    .orElse(found);
        } catch (IOException e) {
            return Finding.problem(need, "cannot be read: " + e.getMessage());
        }
    }

    private Finding cachedOrReachable(NeededAsset need) {
        if (Files.isRegularFile(need.file())) {
            return Finding.ok(need, "cached at " + need.file());
        }
        return reachable(need, "not cached at " + need.file() + " and not reachable: ", "not cached; reachable");
    }

    /** By a HEAD asked now or not long ago: the problem after {@code unreachable}, else a note after {@code reachable}. */
    private Finding reachable(NeededAsset need, String unreachable, String reachable) {
        Instant now = clock.instant();
        Answer answer = answers.get(need.url());
        if (answer == null || !now.isBefore(answer.until())) {
            answer = ask(need.url(), now);
            answers.put(need.url(), answer);
        }
        return answer.problem() != null ? Finding.problem(need, unreachable + answer.problem())
                : Finding.ok(need, reachable + " (HEAD: " + answer.status() + ")");
    }

    private Answer ask(String url, Instant now) {
        Instant retry = now.plus(ASK_AGAIN_UNREACHABLE);
        HttpRequest head;
        try {
            head = HttpRequest.newBuilder(new URI(url)).method("HEAD", HttpRequest.BodyPublishers.noBody())
                    .timeout(HEAD_TIMEOUT).build();
        } catch (URISyntaxException | IllegalArgumentException e) {
            return new Answer(retry, "not a valid URL", null);
        }
        try {
            int status = client.send(head, HttpResponse.BodyHandlers.discarding()).statusCode();
            return status / 100 == 2 ? new Answer(now.plus(ASK_AGAIN_REACHABLE), null, "HTTP " + status)
                    : new Answer(retry, "HTTP " + status + " to a HEAD", null);
        } catch (HttpTimeoutException e) {
            return new Answer(retry, "no answer within " + HEAD_TIMEOUT.toSeconds() + " s", null);
        } catch (IOException e) {
            return new Answer(retry, e.toString(), null);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Answer(now, "interrupted", null);
        }
    }
}
