package dev.metis.cli;

import dev.metis.card.CardMaker;
import dev.metis.card.CardSeed;
import dev.metis.card.disk.PartitionTable;
import dev.metis.card.image.CardException;
import dev.metis.card.image.Compression;
import dev.metis.card.image.Progress;
import dev.metis.state.BurnHistory;
import dev.metis.state.SiteKeyFile;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "plan", mixinStandardHelpOptions = true,
        description = {"Show what burning a node's card would do, and change nothing.",
                "Exit code 0 when the burn would go ahead, 1 when it would be refused."})
final class PlanCommand implements Callable<Integer> {

    @Mixin
    CardOptions options;

    @Spec
    CommandSpec spec;

    @Option(names = "--device", paramLabel = "TARGET", description = "Block device or file the card would be written to.")
    Path device;

    @Override
    public Integer call() throws Exception {
        return Problems.reporting(spec, () -> {
            try (CardOptions.Loaded loaded = options.load(false)) {
                CardMaker.Plan plan = loaded.maker().plan(loaded.node(), device);
                return print(loaded, plan, spec.commandLine().getOut()) ? 0 : Main.INVALID_INPUT;
            }
        });
    }

    /** @return whether a burn would go ahead */
    private static boolean print(CardOptions.Loaded loaded, CardMaker.Plan plan, PrintWriter out) throws IOException {
        var node = loaded.node();
        out.printf("node       %s (class %s, hostname %s, mac %s)%n", node.name(), node.nodeClass(), node.hostname(),
                node.spec().mac());
        out.printf("image      %s%n", plan.source().description());
        out.printf("sha256     %s%n", plan.source().sha256());
        out.printf("cache      %s%n", plan.source().state());
        boolean ok = plan.source().atHand() || plan.source().url() != null;
        if (plan.table() != null) {
            out.printf("format     %s, %s written%n", plan.compression(),
                    plan.imageBytes().isPresent() ? Progress.size(plan.imageBytes().getAsLong())
                            : "size known once decompressed");
            out.printf("check      SHA-256 matches, %s%n", plan.checked().byChunks()
                    ? "by 4 MiB chunks against the manifest in the cache"
                    : "the whole file (its chunk manifest, now in the cache, quickens the next check)");
            if (plan.compression() != Compression.NONE) {
                out.printf("stream     %s decompresses whole, %s%n", plan.compression(), plan.checked().decompressedNow()
                        ? "checked now and recorded in the cache: later plans skip this"
                        : "as recorded in the cache by an earlier whole pass");
            }
            out.printf("partitions %s%n", plan.table().scheme());
            List<PartitionTable.Partition> partitions = new ArrayList<>(plan.table().partitions());
            String newPartition = plan.injection().newPartition();
            if (newPartition != null) {
                partitions.add(plan.boot());
            }
            for (PartitionTable.Partition p : partitions) {
                out.printf("  %d  %-38s %10s at %-10s%s%n", p.number(), p.type() + (p.name().isEmpty() ? "" : " '" + p.name() + "'"),
                        Progress.size(p.length()), Progress.size(p.offset()),
                        p.equals(plan.boot()) ? "  <- " + (newPartition != null ? newPartition : "boot partition") + ": "
                                + plan.injection().fatType() + " label '" + plan.injection().label() + "'" : "");
            }
            out.println("inject");
            for (Map.Entry<String, byte[]> file : plan.seed().files().entrySet()) {
                out.printf("  %-28s %d bytes%n", file.getKey(), file.getValue().length);
            }
            out.printf("  %-28s %s%n", "cmdline.txt", plan.injection().cmdline() == null
                    ? "absent: the image finds the seed by its partition label"
                    : "becomes: " + plan.injection().cmdline());
        } else {
            out.println(plan.source().url() == null ? "partitions unknown: the image is not there to read"
                    : "partitions read after the download (" + plan.source().url() + ")");
            out.printf("inject     %s and cmdline.txt (+ %s)%n", String.join(", ", plan.seed().files().keySet()),
                    plan.seed().cmdlineArgument());
        }
        if (!plan.source().atHand() && plan.source().url() == null) {
            out.println("problem    the golden image file does not exist");
        }
        if (plan.target() != null) {
            out.printf("target     %s: %s%n", plan.target().path(), plan.target().description());
            try {
                plan.target().checkWritable(plan.imageBytes().orElse(0));
                out.println("safe       yes" + (plan.imageBytes().isPresent() || plan.target().capacity() < 0 ? ""
                        : " (size checked once the image is decompressed)"));
            } catch (CardException refused) {
                out.println("safe       NO: " + refused.getMessage());
                ok = false;
            }
        }
        out.printf("record     %s (what was injected, without secrets)%n", CardSeed.RECORD);
        Path stateDir = loaded.stateDir();
        out.printf("history    %s: a server with --state-dir %s lists the card on its page%n",
                stateDir.resolve(BurnHistory.FILE), stateDir);
        Path siteKey = stateDir.resolve(SiteKeyFile.FILE);
        out.printf("site key   %s%s: the node's phone-home key comes from it; only a server with --state-dir %s "
                + "(or a copy of that key) accepts it%n", siteKey,
                Files.exists(siteKey) ? "" : " (not made yet: image and burn make it)", stateDir);
        out.flush();
        return ok;
    }
}
