package dev.metis.cli;

import dev.metis.card.CardMaker;
import dev.metis.card.image.CardException;
import dev.metis.card.image.GoldenImages;
import dev.metis.card.image.Progress;
import dev.metis.identity.IdentityRenderer;
import dev.metis.identity.PhoneHomeKeys;
import dev.metis.inventory.InvalidInputException;
import dev.metis.inventory.Inventory;
import dev.metis.inventory.ResolvedNode;
import dev.metis.secrets.SecretSource;
import dev.metis.state.BurnHistory;
import dev.metis.state.SiteKeyFile;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** What {@code plan}, {@code image} and {@code burn} share: the node, the image cache and the state directory. */
final class CardOptions {

    @Mixin
    InventoryOptions inventory;

    @Option(names = "--node", required = true, paramLabel = "NAME", description = "Node name or MAC address.")
    String node;

    @Option(names = "--cache", paramLabel = "DIR", defaultValue = "${env:METIS_CACHE_DIR}",
            description = "Golden image cache (default: $METIS_CACHE_DIR, else $XDG_CACHE_HOME/metis/images or ~/.cache/metis/images).")
    Path cache;

    @Option(names = "--state-dir", paramLabel = "DIR",
            description = "Where the burn history and the site key (shared with `serve`: the card's phone-home key "
                    + "comes from it) are kept (default: " + StateDirectory.DEFAULT + ").")
    Path stateDir;

    /**
     * The loaded inventory, the chosen node and a card maker for it; closing releases the secret source.
     *
     * @param stateDir    where the burn history goes and the site key comes from
     * @param siteKeyMade whether this run made the site key, so that no server has used it yet
     */
    record Loaded(Inventory inventory, ResolvedNode node, CardMaker maker, SecretSource secrets, Path stateDir,
            boolean siteKeyMade) implements AutoCloseable {
        @Override
        public void close() {
            secrets.close();
        }
    }

    /** A write that may fail; {@link #recorded} keeps its outcome in the burn history either way. */
    interface Write {
        CardMaker.Result run() throws CardException;
    }

    /**
     * Runs a write and appends it to the burn history. A history that cannot be written is reported but does
     * not turn a good card into a failure.
     */
    CardMaker.Result recorded(String kind, Loaded loaded, Path target, Write write, PrintWriter err) throws CardException {
        long started = System.nanoTime();
        GoldenImages.Source source = loaded.maker().source(loaded.node());
        CardMaker.Result result = null;
        String error = null;
        try {
            result = write.run();
            return result;
        } catch (CardException e) {
            error = e.getMessage();
            throw e;
        } finally {
            BurnHistory.Burn burn = new BurnHistory.Burn(Instant.now(), loaded.node().name(), kind, target.toString(),
                    source.description(), source.sha256(), error == null ? BurnHistory.OK : BurnHistory.FAILED, error,
                    result == null ? 0 : result.written().bytes(), (System.nanoTime() - started) / 1e9,
                    result == null ? null : result.instanceId());
            try {
                new BurnHistory(loaded.stateDir()).append(burn);
            } catch (IOException e) {
                err.println("metis: warning: cannot record the burn history in " + loaded.stateDir() + ": "
                        + e.getMessage());
            }
        }
    }

    /** For commands that write a card or image: its seed carries phone-home keys from the site key. */
    Loaded load() throws InvalidInputException, CardException {
        return load(true);
    }

    /**
     * @param writes whether a card or image is made: otherwise ({@code plan}) a missing site key is not
     *               made, and the seed is rendered with a stand-in key of the same length, so its size is right
     */
    Loaded load(boolean writes) throws InvalidInputException, CardException {
        Inventory loaded = inventory.load();
        ResolvedNode selected = InventoryOptions.node(loaded, node);
        Path cacheDir = cache != null ? cache : GoldenImages.defaultCacheDir();
        // A live progress line only where a person watches; scripts and CI get one line per step.
        Progress progress = new Progress(System.err, System.console() != null);
        Path state = StateDirectory.resolve(stateDir, inventory.environment());
        boolean siteKeyMade = writes && !Files.exists(state.resolve(SiteKeyFile.FILE));
        PhoneHomeKeys keys;
        try {
            keys = new PhoneHomeKeys(writes ? SiteKeyFile.loadOrCreate(state) : SiteKeyFile.loadOrStandIn(state));
        } catch (IOException e) {
            throw new CardException("cannot read or create the site key in " + state + " (--state-dir): "
                    + e.getMessage(), e);
        }
        SecretSource secrets = inventory.secrets(loaded);
        IdentityRenderer renderer = new IdentityRenderer(loaded.site(), keys);
        return new Loaded(loaded, selected, new CardMaker(loaded, node -> renderer.render(node, secrets.secretsFor(node)),
                new GoldenImages(cacheDir), cacheDir, progress), secrets, state, siteKeyMade);
    }
}
