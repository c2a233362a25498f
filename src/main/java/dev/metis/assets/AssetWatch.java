package dev.metis.assets;

import dev.metis.inventory.Inventory;
import java.util.List;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code serve}'s look at the files its nodes need, run again and again on a thread of its own (cheap when nothing
 * changed: see {@link AssetProbe}), so an edit of the inventory and a file copied into place are both seen; the
 * latest report is what {@code /healthz} and the web page show. What changed is logged, once.
 */
public final class AssetWatch {

    private static final Logger LOG = LoggerFactory.getLogger(AssetWatch.class);

    private final Supplier<Inventory> inventory;
    private final AssetProbe probe;
    private volatile AssetReport report = AssetReport.NOT_YET;

    public AssetWatch(Supplier<Inventory> inventory, AssetProbe probe) {
        this.inventory = inventory;
        this.probe = probe;
    }

    public AssetReport report() {
        return report;
    }

    /** One look at every file; nothing is thrown, since a scheduled task that throws is never run again. */
    public void recheck() {
        try {
            AssetReport next = probe.check(inventory.get());
            logChanges(report, next);
            report = next;
        } catch (RuntimeException e) {
            LOG.error("looking at the boot assets and images failed: {}", e.toString());
        }
    }

    private static void logChanges(AssetReport before, AssetReport now) {
        List<AssetReport.Group> problems = now.problems();
        List<AssetReport.Group> known = before.problems();
        if (problems.equals(known)) {
            return;
        }
        problems.stream().filter(p -> !known.contains(p)).forEach(p -> LOG.warn("{}: {}", p.pos(), p));
        if (problems.isEmpty()) {
            LOG.info("every kernel, initrd and golden image the nodes need is in place");
        }
    }
}
