package dev.metis;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The layering of {@code dev.metis}, read from the sources' imports (and fully qualified names), so that
 * it cannot decay silently: no package cycle, and no edge from a package to one of its own or a higher
 * layer. docs/architecture.md draws the same picture.
 */
class ArchitectureTest {

    /** Lowest first: a package may use packages of lower layers only. */
    static final List<Set<String>> LAYERS = List.of(
            Set.of("net", "files", "metrics"),
            Set.of("inventory"),
            Set.of("secrets", "state", "assets"),
            Set.of("identity"),
            Set.of("served"),
            Set.of("boot"),
            Set.of("dhcp", "tftp", "http", "card"),
            Set.of("transport"),
            Set.of("serve"),
            Set.of("cli"));

    private static final Path SOURCES = Path.of("src/main/java/dev/metis");
    private static final Pattern PACKAGE = Pattern.compile("(?m)^package dev\\.metis\\.([a-z.]+);");
    /** An import or a qualified use: {@code dev.metis.} then packages, then a type (upper case). */
    /** Block comments and whole-line comments: prose may name any package. */
    private static final Pattern COMMENT = Pattern.compile("(?s)/\\*.*?\\*/|(?m)^\\s*//[^\n]*");
    private static final Pattern REFERENCE = Pattern.compile("\\bdev\\.metis\\.((?:[a-z][a-z0-9]*\\.)+)[A-Z]");

    @Test
    void noPackageCycles() throws IOException {
        Map<String, Set<String>> edges = edges(SOURCES);
        assertThat(cycles(edges)).as("package cycles").isEmpty();
    }

    @Test
    void noEdgeToTheSameOrAHigherLayer() throws IOException {
        assertThat(forbidden(edges(SOURCES))).as("forbidden package edges").isEmpty();
    }

    @Test
    void everyPackageHasALayerAndAPackageInfo() throws IOException {
        Set<String> layered = new TreeSet<>();
        LAYERS.forEach(layered::addAll);
        for (String pkg : edges(SOURCES).keySet()) {
            assertThat(layered).as("layer of " + pkg).contains(top(pkg));
            assertThat(SOURCES.resolve(pkg.replace('.', '/')).resolve("package-info.java")).as(pkg).exists();
        }
    }

    @Test
    void theCheckFindsABackEdgeAndACycle() {
        Map<String, Set<String>> edges = new TreeMap<>();
        edges.put("identity", new TreeSet<>(Set.of("inventory", "serve")));
        edges.put("serve", new TreeSet<>(Set.of("identity")));
        edges.put("inventory", new TreeSet<>());
        assertThat(forbidden(edges)).containsExactly("identity -> serve");
        assertThat(cycles(edges)).containsExactly(List.of("identity", "serve"));
    }

    /** Package (below dev.metis, dotted) -> the packages its sources refer to. */
    static Map<String, Set<String>> edges(Path sources) throws IOException {
        Map<String, Set<String>> edges = new TreeMap<>();
        List<Path> files;
        try (Stream<Path> walk = Files.walk(sources)) {
            files = walk.filter(p -> p.toString().endsWith(".java")).toList();
        }
        for (Path file : files) {
            String text = Files.readString(file);
            Matcher declared = PACKAGE.matcher(text);
            if (!declared.find()) {
                throw new AssertionError(file + " declares no dev.metis package");
            }
            String from = declared.group(1);
            Set<String> to = edges.computeIfAbsent(from, k -> new TreeSet<>());
            Matcher used = REFERENCE.matcher(COMMENT.matcher(text).replaceAll(""));
            while (used.find()) {
                String target = used.group(1).substring(0, used.group(1).length() - 1);
                if (!target.equals(from)) {
                    to.add(target);
                }
            }
        }
        return edges;
    }

    static List<String> forbidden(Map<String, Set<String>> edges) {
        List<String> found = new ArrayList<>();
        edges.forEach((from, targets) -> {
            for (String to : targets) {
                boolean family = top(from).equals(top(to));
                if (!family && layer(top(to)) >= layer(top(from))) {
                    found.add(from + " -> " + to);
                }
            }
        });
        return found;
    }

    private static int layer(String topPackage) {
        for (int i = 0; i < LAYERS.size(); i++) {
            if (LAYERS.get(i).contains(topPackage)) {
                return i;
            }
        }
        throw new AssertionError("package " + topPackage + " is in no layer of " + ArchitectureTest.class.getSimpleName());
    }

    private static String top(String pkg) {
        int dot = pkg.indexOf('.');
        return dot < 0 ? pkg : pkg.substring(0, dot);
    }

    /** Strongly connected groups of more than one package (Tarjan), each sorted. */
    static List<List<String>> cycles(Map<String, Set<String>> edges) {
        Map<String, Integer> index = new HashMap<>();
        Map<String, Integer> low = new HashMap<>();
        Deque<String> stack = new ArrayDeque<>();
        List<List<String>> cycles = new ArrayList<>();
        for (String pkg : edges.keySet()) {
            if (!index.containsKey(pkg)) {
                connect(pkg, edges, index, low, stack, cycles);
            }
        }
        return cycles;
    }

    private static void connect(String pkg, Map<String, Set<String>> edges, Map<String, Integer> index,
            Map<String, Integer> low, Deque<String> stack, List<List<String>> cycles) {
        index.put(pkg, index.size());
        low.put(pkg, index.get(pkg));
        stack.push(pkg);
        for (String next : edges.getOrDefault(pkg, Set.of())) {
            if (!index.containsKey(next)) {
                connect(next, edges, index, low, stack, cycles);
                low.put(pkg, Math.min(low.get(pkg), low.get(next)));
            } else if (stack.contains(next)) {
                low.put(pkg, Math.min(low.get(pkg), index.get(next)));
            }
        }
        if (low.get(pkg).equals(index.get(pkg))) {
            List<String> group = new ArrayList<>();
            String member;
            do {
                member = stack.pop();
                group.add(member);
            } while (!member.equals(pkg));
            if (group.size() > 1) {
                group.sort(null);
                cycles.add(group);
            }
        }
    }
}
