package dev.metis.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What {@code deploy/dev/impair-wire} did in one direction ({@code FROM>TO}), as it prints when it stops:
 * frames forwarded, dropped, held back and overtaken, dropped by the kernel before it read them (missed),
 * and frames it could not send (failed).
 */
record WireCounts(String direction, long forwarded, long dropped, long reordered, long missed, long failed) {

    private static final Pattern LINE = Pattern.compile(
            "(\\S+>\\S+) forwarded=(\\d+) dropped=(\\d+) reordered=(\\d+) missed=(\\d+) failed=(\\d+)");

    static List<WireCounts> parse(String output) {
        return output.lines().map(LINE::matcher).filter(Matcher::matches)
                .map(m -> new WireCounts(m.group(1), Long.parseLong(m.group(2)), Long.parseLong(m.group(3)),
                        Long.parseLong(m.group(4)), Long.parseLong(m.group(5)), Long.parseLong(m.group(6))))
                .toList();
    }

    /** The two directions through the wire on {@code link}. */
    static List<WireCounts> of(List<WireCounts> counts, String link) {
        List<WireCounts> wire = counts.stream()
                .filter(c -> c.direction.startsWith(link + ">") || c.direction.endsWith(">" + link)).toList();
        assertThat(wire).as("directions through the wire on " + link + " in " + counts).hasSize(2);
        return wire;
    }

    /** Both directions on {@code link} really dropped and reordered frames, and passed every other one. */
    static void assertImpaired(List<WireCounts> counts, String link, String impairment) {
        for (WireCounts direction : of(counts, link)) {
            assertThat(direction.dropped()).as(impairment + ": " + direction).isPositive();
            assertThat(direction.reordered()).as(impairment + ": " + direction).isPositive();
            assertThat(direction.failed()).as(impairment + ": " + direction).isZero();
        }
    }
}
