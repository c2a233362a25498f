package dev.metis.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The Markdown table a benchmark prints, read back to check that every figure in it could come from a real
 * run: a figure misread from a tool's output (wrk's {@code 2.00GB} read as 2 bytes) shows as zero, as not a
 * number, or as a ratio no two servers on one machine give.
 *
 * <p>A layout names what each column holds, one letter per column: {@code L} a label, {@code F} a figure,
 * {@code f} a figure or {@code -} (not measured for that row), {@code R} a ratio, {@code .} anything else.
 */
final class BenchTable {

    /** Beyond these, a ratio between two servers doing the same work on one machine is a misread figure. */
    static final double LOWEST_RATIO = 0.01;
    static final double HIGHEST_RATIO = 100;

    private static final Pattern SEPARATOR = Pattern.compile("^\\|(-+\\|)+$");
    private static final Pattern CELL_BORDER = Pattern.compile("(?<!\\\\)\\|");
    private static final Pattern LEADING_NUMBER = Pattern.compile("^-?\\d+(\\.\\d+)?(?![\\w.])");
    // Numbers standing alone, so that "p99" or "1468" inside a word is not read as a figure.
    private static final Pattern NUMBER = Pattern.compile("(?<![\\w.])-?\\d+(\\.\\d+)?(?![\\w.])");
    private static final Pattern NOT_A_NUMBER = Pattern.compile("(?i)(?<![a-z])-?(nan|inf|infinity)(?![a-z])");
    private static final Pattern RATIO = Pattern.compile("^(\\d+(\\.\\d+)?)x$");

    private final List<String> header;
    private final List<List<String>> rows;

    private BenchTable(List<String> header, List<List<String>> rows) {
        this.header = header;
        this.rows = rows;
    }

    /** The first table in a benchmark's output: the line above the {@code |---|} line and the rows below it. */
    static BenchTable parse(String output) {
        List<String> lines = output.lines().map(String::strip).toList();
        for (int i = 1; i < lines.size(); i++) {
            if (SEPARATOR.matcher(lines.get(i)).matches()) {
                List<List<String>> rows = new ArrayList<>();
                for (int r = i + 1; r < lines.size() && lines.get(r).startsWith("|"); r++) {
                    rows.add(cells(lines.get(r)));
                }
                return new BenchTable(cells(lines.get(i - 1)), rows);
            }
        }
        throw new IllegalArgumentException("no Markdown table in the output");
    }

    List<List<String>> rows() {
        return rows;
    }

    /** Every figure or ratio that no real run could give, each naming its row and column; empty if none. */
    List<String> implausible(String layout) {
        List<String> problems = new ArrayList<>();
        for (List<String> row : rows) {
            String name = "row '" + row.get(0) + "'";
            if (row.size() != layout.length()) {
                problems.add(name + ": " + row.size() + " cells, the layout has " + layout.length());
                continue;
            }
            for (int c = 0; c < row.size(); c++) {
                String cell = row.get(c);
                String column = c < header.size() ? header.get(c) : "column " + (c + 1);
                String problem = switch (layout.charAt(c)) {
                    case 'F' -> figureProblem(cell);
                    case 'f' -> cell.equals("-") ? null : figureProblem(cell);
                    case 'R' -> ratioProblem(cell);
                    case 'L', '.' -> null;
                    default -> throw new IllegalArgumentException("unknown column kind in layout " + layout);
                };
                if (problem != null) {
                    problems.add(name + ", column '" + column + "': '" + cell + "' " + problem);
                }
            }
        }
        return problems;
    }

    private static String figureProblem(String cell) {
        if (!LEADING_NUMBER.matcher(cell).find() || NOT_A_NUMBER.matcher(cell).find()) {
            return "is not a number";
        }
        Matcher number = NUMBER.matcher(cell);
        while (number.find()) {
            if (Double.parseDouble(number.group()) <= 0) {
                return "is zero or negative";
            }
        }
        return null;
    }

    private static String ratioProblem(String cell) {
        Matcher ratio = RATIO.matcher(cell);
        if (!ratio.matches()) {
            return "is not a ratio such as 1.23x";
        }
        double value = Double.parseDouble(ratio.group(1));
        if (value < LOWEST_RATIO || value > HIGHEST_RATIO) {
            return String.format(Locale.ROOT, "is outside %.2fx to %.0fx, what a real run gives", LOWEST_RATIO,
                    HIGHEST_RATIO);
        }
        return null;
    }

    private static List<String> cells(String line) {
        String inner = line.substring(1, line.endsWith("|") && line.length() > 1 ? line.length() - 1 : line.length());
        return Arrays.stream(CELL_BORDER.split(inner, -1)).map(String::strip).toList();
    }
}
