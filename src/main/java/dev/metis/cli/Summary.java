package dev.metis.cli;

import dev.metis.card.CardMaker;
import dev.metis.card.image.Progress;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;

/** The closing lines of {@code image} and {@code burn}: what was written and that it verified. */
final class Summary {

    private Summary() {
    }

    static void print(PrintWriter out, String node, Path target, CardMaker.Result result) {
        var written = result.written();
        out.printf(Locale.ROOT, "node %s written to %s: %d bytes%s, instance-id %s%n", node, target, written.bytes(),
                written.holes() > 0 ? " (" + Progress.size(written.holes()) + " of zeros left as holes)" : "",
                result.instanceId());
        out.printf(Locale.ROOT, "injected into the %s partition '%s': %s%n", result.injection().fatType(),
                result.injection().label(), String.join(", ", result.injection().written()));
        // Milliseconds: bench/image computes its rates from these seconds, and 0.1 s steps made them jump.
        out.printf(Locale.ROOT, "write %.3f s (%.1f MB/s), verify %.3f s (%.1f MB/s): OK%n", written.seconds(),
                written.bytes() / 1e6 / Math.max(written.seconds(), 1e-3), result.verifySeconds(),
                written.bytes() / 1e6 / Math.max(result.verifySeconds(), 1e-3));
        out.flush();
    }
}
