package dev.metis.assets;

import dev.metis.inventory.SourcePos;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What one look at every needed file found, in inventory order. Findings that say the same of the same file at
 * the same place (every node of a class missing its kernel) are one {@link Group} naming the nodes.
 *
 * @param done false until the first look has finished
 */
public record AssetReport(boolean done, List<Finding> findings) {

    public static final AssetReport NOT_YET = new AssetReport(false, List.of());

    public AssetReport {
        findings = List.copyOf(findings);
    }

    /**
     * One thing found of one file, for every node it concerns.
     *
     * @param text the problem, or the note of a file found by URL
     */
    public record Group(SourcePos pos, String field, List<String> nodes, String location, String text) {

        /** {@code netboot.kernel of cp-01, cp-02: /srv/boot-assets/vmlinuz: no such file} */
        @Override
        public String toString() {
            return field + " of " + String.join(", ", nodes) + ": " + location + ": " + text;
        }
    }

    public List<Group> problems() {
        return group(findings.stream().filter(f -> !f.ok()).toList(), Finding::problem);
    }

    /** How each file given by URL was found: in its cache, or reachable. */
    public List<Group> notes() {
        return group(findings.stream().filter(f -> f.ok() && f.note() != null).toList(), Finding::note);
    }

    private static List<Group> group(List<Finding> findings, java.util.function.Function<Finding, String> text) {
        Map<List<Object>, Group> groups = new LinkedHashMap<>();
        for (Finding finding : findings) {
            NeededAsset need = finding.need();
            groups.computeIfAbsent(List.of(need.pos(), need.field(), need.location(), text.apply(finding)),
                    key -> new Group(need.pos(), need.field(), new ArrayList<>(), need.location(), text.apply(finding)))
                    .nodes().add(need.node());
        }
        return groups.values().stream().map(g -> new Group(g.pos(), g.field(), List.copyOf(g.nodes()), g.location(), g.text()))
                .toList();
    }
}
