package dev.metis.card.image;

import dev.metis.files.VerifiedDownload;
import dev.metis.inventory.Inventory;
import dev.metis.inventory.NodeSpec;
import dev.metis.inventory.ResolvedNode;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Golden images, from a class's local {@code path} or downloaded from its {@code url} into a cache named
 * by SHA-256, so a second card needs no network. The hash is checked on every use, cache hit or not: the
 * whole file's the first time, then chunk by chunk against the manifest that first check left in the
 * cache ({@link ChunkManifest}).
 */
public final class GoldenImages {

    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(15);

    private final Path cacheDir;

    public GoldenImages(Path cacheDir) {
        this.cacheDir = cacheDir;
    }

    /** {@code $XDG_CACHE_HOME/metis/images}, else {@code ~/.cache/metis/images}. */
    public static Path defaultCacheDir() {
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
        return base.resolve("metis").resolve("images");
    }

    /**
     * Where a node's image comes from.
     *
     * @param file the local file, or the cache file a download goes to
     * @param url null for a local {@code path}
     */
    public record Source(String node, String description, String sha256, Path file, URI url) {

        /** False only for a URL image not yet in the cache. */
        public boolean atHand() {
            return Files.isRegularFile(file);
        }

        public String state() {
            if (url == null) {
                return atHand() ? "local file" : "missing local file";
            }
            return atHand() ? "cached at " + file : "not cached: will download to " + file;
        }
    }

    public Source source(ResolvedNode node, Inventory inventory) throws CardException {
        NodeSpec.Image image = node.spec().image();
        if (image == null) {
            throw new CardException("node " + node.name() + " (class " + node.nodeClass()
                    + ") has no golden image: give its class image.path or image.url, and image.sha256");
        }
        String sha256 = image.sha256().toLowerCase(java.util.Locale.ROOT);
        if (image.path() != null) {
            return new Source(node.name(), image.path(), sha256, inventory.resolve(image.path()), null);
        }
        return new Source(node.name(), image.url(), sha256, cacheDir.resolve(sha256), URI.create(image.url()));
    }

    /**
     * The image as a local file whose bytes are still to be checked by the caller (a cache hit or local
     * file), or freshly downloaded and checked while downloading.
     */
    public void fetch(Source source, Progress progress) throws CardException {
        if (source.atHand()) {
            return;
        }
        if (source.url() == null) {
            throw new CardException("golden image " + source.file() + " of node " + source.node() + " does not exist");
        }
        download(source, progress);
    }

    private void download(Source source, Progress progress) throws CardException {
        try {
            Files.createDirectories(cacheDir);
        } catch (IOException e) {
            throw new CardException("cannot create the image cache " + cacheDir + ": " + e.getMessage(), e);
        }
        try {
            VerifiedDownload.fetch(source.url(), source.sha256(), source.file(), CONNECT_TIMEOUT, new VerifiedDownload.Progress() {
                private Progress.Step step;

                @Override
                public void started(long length) {
                    step = progress.start("download", length);
                }

                @Override
                public void advanced(int bytes) {
                    step.advance(bytes);
                }

                @Override
                public void finished() {
                    step.finish();
                }
            });
        } catch (VerifiedDownload.HashMismatch e) {
            checkHash(source, e.actual(), "downloaded from " + source.url());
        } catch (IOException e) {
            throw new CardException("download of " + source.url() + " for node " + source.node() + " failed: "
                    + VerifiedDownload.describe(e), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CardException("download of " + source.url() + " interrupted", e);
        }
    }

    /** A check of the image's bytes against its SHA-256, by the chunk manifest in the cache when there is one. */
    public ImageCheck check(Source source) {
        return ImageCheck.start(source, cacheDir);
    }

    /** A check by the whole file's SHA-256 alone. */
    public ImageCheck wholeFileCheck(Source source) {
        return ImageCheck.wholeFile(source, cacheDir);
    }

    static void checkHash(Source source, String actual, String what) throws CardException {
        if (!actual.equals(source.sha256())) {
            throw new CardException("golden image " + what + " for node " + source.node() + " has SHA-256 " + actual
                    + ", but the inventory says " + source.sha256() + ": refusing to use it"
                    + (source.url() != null && what.equals(source.file().toString())
                            ? " (a damaged cache entry: delete it to download the image again)" : ""));
        }
    }
}
