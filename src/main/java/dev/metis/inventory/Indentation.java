package dev.metis.inventory;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The guess behind "indentation is the likely cause" of a YAML syntax error: the indentations the line the
 * parser stopped at might have been meant to have, judged by the lines around it. The caller tries each
 * until the file reads; the first that does is the likely intent.
 */
final class Indentation {

    /** More would be guessing: a line belongs at one of the few levels open around it. */
    private static final int MAX_TRIES = 6;
    /** The step a line under a key with no value usually gets. */
    private static final int STEP = 2;

    private Indentation() {
    }

    /** The file with line {@code index} (from 0) indented by {@code spaces} instead. */
    record Reindented(String text, int index, int was, int spaces) {
    }

    /**
     * Re-indentations of line {@code index}, the likeliest first: the levels of the lines before it (the
     * nearest first), the next line's, and one step under a key with no value above it. None for a line
     * that is blank, a comment, or indented with tabs (the parser names tabs itself).
     */
    static List<Reindented> tries(String text, int index) {
        List<String> lines = text.lines().toList();
        if (index < 0 || index >= lines.size() || !holdsContent(lines.get(index)) || indentWithTabs(lines.get(index))) {
            return List.of();
        }
        int was = indent(lines.get(index));
        Set<Integer> levels = new LinkedHashSet<>();
        levelsBefore(lines, index).forEach(levels::add);
        nextContentLine(lines, index).ifPresent(next -> levels.add(indent(next)));
        previousContentLine(lines, index).filter(Indentation::isKeyWithoutValue)
                .ifPresent(key -> levels.add(indent(key) + STEP));
        levels.remove(was);
        List<Integer> ordered = new ArrayList<>(levels);
        // stable: between two as near, the one found first (the nearer line's) is tried first
        ordered.sort(Comparator.comparingInt(spaces -> Math.abs(spaces - was)));
        List<Reindented> tries = new ArrayList<>();
        for (int spaces : ordered.subList(0, Math.min(MAX_TRIES, ordered.size()))) {
            List<String> changed = new ArrayList<>(lines);
            changed.set(index, " ".repeat(spaces) + lines.get(index).strip());
            tries.add(new Reindented(String.join("\n", changed) + "\n", index, was, spaces));
        }
        return tries;
    }

    /**
     * The indentations open at the line: the previous line's (and where its content starts, after a list
     * dash), then each shallower one before it, out to column 0.
     */
    private static List<Integer> levelsBefore(List<String> lines, int index) {
        List<Integer> levels = new ArrayList<>();
        int bound = Integer.MAX_VALUE;
        for (int i = index - 1; i >= 0 && bound > 0; i--) {
            String line = lines.get(i);
            if (!holdsContent(line)) {
                continue;
            }
            int indent = indent(line);
            if (levels.isEmpty() && contentColumn(line) > indent) {
                levels.add(contentColumn(line));
            }
            if (indent < bound) {
                levels.add(indent);
                bound = indent;
            }
        }
        return levels;
    }

    private static Optional<String> previousContentLine(List<String> lines, int index) {
        for (int i = index - 1; i >= 0; i--) {
            if (holdsContent(lines.get(i))) {
                return Optional.of(lines.get(i));
            }
        }
        return Optional.empty();
    }

    private static Optional<String> nextContentLine(List<String> lines, int index) {
        return lines.subList(index + 1, lines.size()).stream().filter(Indentation::holdsContent).findFirst();
    }

    private static boolean holdsContent(String line) {
        String stripped = line.strip();
        return !stripped.isEmpty() && !stripped.startsWith("#");
    }

    private static boolean indentWithTabs(String line) {
        return line.substring(0, line.length() - line.stripLeading().length()).contains("\t");
    }

    /** {@code key:} alone on its line (a comment after it aside): what follows belongs under it. */
    private static boolean isKeyWithoutValue(String line) {
        String content = line.replaceFirst("\\s+#.*$", "").stripTrailing();
        return content.endsWith(":");
    }

    private static int indent(String line) {
        return line.length() - line.stripLeading().length();
    }

    /** Where a line's content starts: after its indentation and any list dashes, {@code - - key: value}. */
    private static int contentColumn(String line) {
        int column = indent(line);
        while (line.startsWith("- ", column)) {
            column += 2;
            while (column < line.length() && line.charAt(column) == ' ') {
                column++;
            }
        }
        return column;
    }
}
