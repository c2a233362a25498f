package dev.metis.cli;

import dev.metis.card.CardMaker;
import dev.metis.card.image.Progress;
import dev.metis.state.BurnHistory;
import dev.metis.state.SiteKeyFile;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;

/**
 * The closing lines of {@code image} and {@code burn}: what was written, that it verified, where the run
 * was recorded and which site key the node's phone-home key came from.
 */
final class Summary {

    private Summary() {
    }

    static void print(PrintWriter out, CardOptions.Loaded loaded, Path target, CardMaker.Result result) {
        var written = result.written();
        out.printf(Locale.ROOT, "node %s written to %s: %d bytes%s, instance-id %s%n", loaded.node().name(), target,
                written.bytes(),
                written.holes() > 0 ? " (" + Progress.size(written.holes()) + " of zeros left as holes)" : "",
                result.instanceId());
        out.printf(Locale.ROOT, "injected into the %s partition '%s'%s: %s%n", result.injection().fatType(),
                result.injection().label(), result.injection().newPartition() == null ? ""
                        : ", " + result.injection().newPartition(), String.join(", ", result.injection().written()));
        // Milliseconds: bench/image computes its rates from these seconds, and 0.1 s steps made them jump.
        out.printf(Locale.ROOT, "write %.3f s (%.1f MB/s), verify %.3f s (%.1f MB/s): OK%n", written.seconds(),
                written.bytes() / 1e6 / Math.max(written.seconds(), 1e-3), result.verifySeconds(),
                written.bytes() / 1e6 / Math.max(result.verifySeconds(), 1e-3));
        Path stateDir = loaded.stateDir();
        out.printf("recorded in %s: a server with --state-dir %s lists it on its page%n",
                stateDir.resolve(BurnHistory.FILE), stateDir);
        // A key made now is one no server has: its phone-home would be refused unless the server shares it.
        out.printf("phone-home key from %s%s: only a server with --state-dir %s (or a copy of that key) accepts "
                + "the node's phone-home%n", stateDir.resolve(SiteKeyFile.FILE),
                loaded.siteKeyMade() ? " (made by this run)" : "", stateDir);
        out.flush();
    }
}
