package dev.metis.card.image;

import java.io.PrintStream;
import java.util.Locale;

/**
 * Progress of a long step (download, write, verify): a live line with percent, rate and time left on a
 * terminal, and one summary line per step otherwise, so logs of scripted burns stay readable.
 */
public final class Progress {

    private static final long REDRAW_NANOS = 250_000_000L;

    private final PrintStream out;
    private final boolean live;

    public Progress(PrintStream out, boolean live) {
        this.out = out;
        this.live = live;
    }

    /** Nothing shown: for tests and callers that report on their own. */
    public static Progress silent() {
        return new Progress(null, false);
    }

    public Step start(String name, long total) {
        return new Step(name, total);
    }

    /** One step; {@code total} is -1 when unknown. */
    public final class Step {
        private final String name;
        private final long total;
        private final long started = System.nanoTime();
        private long done;
        private long lastDrawn;

        private Step(String name, long total) {
            this.name = name;
            this.total = total;
        }

        public void advance(long bytes) {
            done += bytes;
            long now = System.nanoTime();
            if (live && now - lastDrawn >= REDRAW_NANOS) {
                lastDrawn = now;
                out.print("\r" + line(now) + "   ");
                out.flush();
            }
        }

        public void finish() {
            long now = System.nanoTime();
            double seconds = (now - started) / 1e9;
            if (out != null) {
                out.print((live ? "\r" : "") + String.format(Locale.ROOT, "%-8s %s in %.1f s (%s)%n", name,
                        size(done), seconds, rate(done, seconds)));
                out.flush();
            }
        }

        private String line(long now) {
            double seconds = Math.max((now - started) / 1e9, 1e-3);
            StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "%-8s %s", name, size(done)));
            if (total > 0) {
                double rate = done / seconds;
                long left = rate > 0 ? Math.round((total - done) / rate) : -1;
                line.append(String.format(Locale.ROOT, " of %s %5.1f%%", size(total), 100.0 * done / total));
                line.append("  ").append(rate(done, seconds));
                if (left >= 0) {
                    line.append(String.format(Locale.ROOT, "  ETA %d:%02d", left / 60, left % 60));
                }
            } else {
                line.append("  ").append(rate(done, seconds));
            }
            return line.toString();
        }
    }

    public static String size(long bytes) {
        if (bytes < 1 << 20) {
            return String.format(Locale.ROOT, "%.1f KiB", bytes / 1024.0);
        }
        if (bytes < 1L << 30) {
            return String.format(Locale.ROOT, "%.1f MiB", bytes / (double) (1 << 20));
        }
        return String.format(Locale.ROOT, "%.2f GiB", bytes / (double) (1L << 30));
    }

    private static String rate(long bytes, double seconds) {
        return String.format(Locale.ROOT, "%.1f MB/s", bytes / 1e6 / Math.max(seconds, 1e-3));
    }
}
