package dev.metis.inventory;

import java.io.IOException;
import java.io.Reader;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.comments.CommentLine;
import org.yaml.snakeyaml.composer.Composer;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;
import org.yaml.snakeyaml.parser.Parser;
import org.yaml.snakeyaml.parser.ParserImpl;
import org.yaml.snakeyaml.reader.StreamReader;
import org.yaml.snakeyaml.resolver.Resolver;

/**
 * Reads a YAML file into {@link YamlNode}s with positions. SnakeYAML (which Jackson's YAML module
 * ships) composes the node graph; Jackson's own tree drops positions, which every error needs.
 *
 * <p>SnakeYAML's graph shares an aliased node instead of copying it, so a small file can stand for a
 * huge or endless tree: an alias inside the node it names ({@code x: &r {a: *r}}), or a few levels of
 * aliases repeated ({@code [*p, *p, *p]}), which grow as a power of the levels within SnakeYAML's
 * alias limit. Unfolding is what would overflow the stack or fill the heap, so it stops at a cycle and
 * at {@value #MAX_VALUES} values. SnakeYAML's own graph is bounded the same way as it is composed, so a
 * long file costs no more than a short one that unfolds as far.
 */
public final class YamlReader {

    /**
     * Far above the inventory of a small site (a node is some 5 to 20 values), and some 50 MB of heap
     * while loading: a 256 MB heap loads it with room to serve.
     */
    static final int MAX_VALUES = 50_000;

    /** SnakeYAML's own bound on characters, as bytes: a file within it is within SnakeYAML's. */
    public static final int MAX_BYTES = new LoaderOptions().getCodePointLimit();

    /**
     * SnakeYAML problems that quote nothing of the file. Others may (an alias or tag name, an escape
     * sequence, a character), so in a secrets file they are replaced by a description of their own.
     */
    private static final Pattern VALUE_FREE = Pattern.compile("mapping values are not allowed here"
            + "|could not find expected ':'|found unexpected end of stream|found a tab character[a-z ]*"
            + "|expected [<>a-z ',\\]}]+, but found '(<[a-z ]+>|[-,{}\\[\\]?:])'"
            + "|Nesting Depth exceeded max \\d+|Number of aliases for non-scalar nodes exceeds the specified max=\\d+"
            + "|The incoming YAML document exceeds the limit: \\d+ code points\\.");

    private YamlReader() {
    }

    /**
     * @param quoteValues whether problems may quote the file's text; false for secrets files, whose
     *                    problems then name only the place and the kind of mistake
     */
    public static YamlNode read(Path file, String layer, boolean quoteValues) throws InvalidInputException {
        String text;
        try {
            long size = Files.size(file);
            if (size > MAX_BYTES) {
                // before reading it: a file bigger than the heap would otherwise end the server
                throw new InvalidInputException(List.of(new Problem(new SourcePos(file, 1, 1), "YAML: the file has "
                        + size + " bytes, more than the " + MAX_BYTES + " a document may have")));
            }
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new InvalidInputException(List.of(new Problem(new SourcePos(file, 1, 1),
                    "cannot read file: " + e.getClass().getSimpleName() + ": " + e.getMessage())));
        }
        return parse(file, text, layer, quoteValues);
    }

    /**
     * A syntax error that one line's indentation likely caused: re-indented, the file reads. Besides the
     * problem, it carries the tree the file gives as re-indented, so that a loader can still list the
     * other problems the file has.
     */
    public static final class MisIndented extends InvalidInputException {
        private final transient YamlNode asIfIndented;

        MisIndented(Problem problem, YamlNode asIfIndented) {
            super(List.of(problem));
            this.asIfIndented = asIfIndented;
        }

        public YamlNode asIfIndented() {
            return asIfIndented;
        }
    }

    /** A syntax error, and the line (from 0) the parser stopped at. */
    private static final class SyntaxError extends InvalidInputException {
        private final transient Problem problem;
        private final int line;

        SyntaxError(Problem problem, int line) {
            super(List.of(problem));
            this.problem = problem;
            this.line = line;
        }
    }

    /** @throws MisIndented for a syntax error that re-indenting one line mends */
    public static YamlNode parse(Path file, String text, String layer, boolean quoteValues)
            throws InvalidInputException {
        try {
            return compose(file, text, layer, quoteValues);
        } catch (SyntaxError error) {
            for (Indentation.Reindented reindented : Indentation.tries(text, error.line)) {
                YamlNode tree;
                try {
                    tree = compose(file, reindented.text(), layer, quoteValues);
                } catch (InvalidInputException stillWrong) {
                    continue;
                }
                throw new MisIndented(new Problem(error.problem.pos(), error.problem.message()
                        + "; indentation is the likely cause: this line is indented by " + reindented.was()
                        + " spaces, and the file reads as YAML with " + reindented.spaces()), tree);
            }
            throw new InvalidInputException(List.of(error.problem));
        }
    }

    private static YamlNode compose(Path file, String text, String layer, boolean quoteValues)
            throws InvalidInputException {
        LoaderOptions options = new LoaderOptions();
        options.setAllowRecursiveKeys(false);
        options.setMaxAliasesForCollections(50);
        options.setNestingDepthLimit(64);
        Node root;
        try (Reader reader = new StringReader(text)) {
            root = new CountingComposer(new ParserImpl(new StreamReader(reader), options), options).getSingleNode();
        } catch (CountingComposer.TooManyValues e) {
            throw new InvalidInputException(List.of(new Problem(position(file, e.getProblemMark()), "YAML: " + e.getProblem())));
        } catch (MarkedYAMLException e) {
            Mark mark = e.getProblemMark() != null ? e.getProblemMark() : e.getContextMark();
            String what = e.getProblem() != null ? e.getProblem() : String.valueOf(e.getMessage());
            throw new SyntaxError(new Problem(position(file, mark), "YAML syntax: "
                    + (quoteValues ? what : withoutValues(what))), mark == null ? -1 : mark.getLine());
        } catch (RuntimeException | IOException e) {
            // SnakeYAML also throws plain IllegalArgumentExceptions on some malformed input (found by fuzzing,
            // e.g. a tag "!1%+F"): every failure of the parser is a problem with the file.
            throw new InvalidInputException(List.of(new Problem(new SourcePos(file, 1, 1), "YAML: "
                    + (quoteValues ? e.getMessage() : "unreadable (" + e.getClass().getSimpleName() + ")"))));
        }
        if (root == null) {
            return new YamlNode.Mapping(Map.of(), Map.of(), new SourcePos(file, 1, 1), layer);
        }
        List<Problem> problems = new ArrayList<>();
        YamlNode tree = new Unfolding(file, layer, problems).convert(root);
        if (!problems.isEmpty()) {
            throw new InvalidInputException(problems);
        }
        return tree;
    }

    private static String withoutValues(String problem) {
        if (VALUE_FREE.matcher(problem).matches()) {
            return problem;
        }
        if (problem.startsWith("found undefined alias")) {
            return "an alias (*name) names no anchor (&name) written before it";
        }
        if (problem.startsWith("Global tag is not allowed")) {
            return "'!!' tags are not allowed";
        }
        return "not valid YAML here (the parser's description is left out, as it may quote the file)";
    }

    /** SnakeYAML's composer, counting the nodes it makes. */
    private static final class CountingComposer extends Composer {

        private int nodes;

        CountingComposer(Parser parser, LoaderOptions options) {
            super(parser, new Resolver(), options);
        }

        @Override
        protected Node composeScalarNode(String anchor, List<CommentLine> blockComments) {
            count();
            return super.composeScalarNode(anchor, blockComments);
        }

        @Override
        protected Node composeSequenceNode(String anchor) {
            count();
            return super.composeSequenceNode(anchor);
        }

        @Override
        protected Node composeMappingNode(String anchor) {
            count();
            return super.composeMappingNode(anchor);
        }

        /** Keys count too: they are what a long mapping is made of. */
        private void count() {
            if (++nodes > MAX_VALUES) {
                throw new TooManyValues(parser.peekEvent().getStartMark());
            }
        }

        static final class TooManyValues extends MarkedYAMLException {
            TooManyValues(Mark mark) {
                super(null, null, "the document has more than " + MAX_VALUES + " keys and values", mark);
            }
        }
    }

    /** One document's graph unfolded into a tree, counting values and watching for cycles on the way. */
    private static final class Unfolding {
        private final Path file;
        private final String layer;
        private final List<Problem> problems;
        private final Set<Node> enclosing = Collections.newSetFromMap(new IdentityHashMap<>());
        private int values;
        /** Where the top-level entry being unfolded was written: where to look when the document grows too big. */
        private SourcePos topLevelEntry;

        Unfolding(Path file, String layer, List<Problem> problems) {
            this.file = file;
            this.layer = layer;
            this.problems = problems;
        }

        YamlNode convert(Node node) throws InvalidInputException {
            SourcePos pos = position(file, node.getStartMark());
            if (++values > MAX_VALUES) {
                throw new InvalidInputException(List.of(new Problem(topLevelEntry, "YAML: the document unfolds to more than "
                        + MAX_VALUES + " values (aliases repeating large parts?) within this entry")));
            }
            if (enclosing.isEmpty()) {
                topLevelEntry = pos;
            }
            if (!enclosing.add(node)) {
                problems.add(new Problem(pos, "YAML: recursive alias: the node anchored here contains an alias of itself"));
                return new YamlNode.Scalar("", YamlNode.Scalar.Kind.NULL, pos, layer);
            }
            try {
                return unfold(node, pos);
            } finally {
                enclosing.remove(node);
            }
        }

        private YamlNode unfold(Node node, SourcePos pos) throws InvalidInputException {
            if (node instanceof MappingNode mapping) {
                Map<String, YamlNode> entries = new LinkedHashMap<>();
                Map<String, SourcePos> keyPositions = new LinkedHashMap<>();
                for (NodeTuple tuple : mapping.getValue()) {
                    SourcePos keyPos = position(file, tuple.getKeyNode().getStartMark());
                    if (!(tuple.getKeyNode() instanceof ScalarNode keyNode)) {
                        problems.add(new Problem(keyPos, "mapping keys must be plain strings"));
                        continue;
                    }
                    String key = keyNode.getValue();
                    if (entries.containsKey(key)) {
                        problems.add(new Problem(keyPos, "duplicate key '" + key + "' (first at line "
                                + keyPositions.get(key).line() + ")"));
                        continue;
                    }
                    keyPositions.put(key, keyPos);
                    if (enclosing.size() == 1) {
                        topLevelEntry = keyPos;
                    }
                    entries.put(key, convert(tuple.getValueNode()));
                }
                return new YamlNode.Mapping(entries, keyPositions, pos, layer);
            }
            if (node instanceof SequenceNode sequence) {
                List<YamlNode> items = new ArrayList<>();
                for (Node item : sequence.getValue()) {
                    if (enclosing.size() == 1) {
                        topLevelEntry = position(file, item.getStartMark());
                    }
                    items.add(convert(item));
                }
                return new YamlNode.Sequence(items, pos, layer);
            }
            ScalarNode scalar = (ScalarNode) node;
            return new YamlNode.Scalar(scalar.getValue(), kind(scalar), pos, layer);
        }
    }

    /** The type SnakeYAML resolved; an explicit tag on text not of its type ({@code !!int abc}) leaves text. */
    private static YamlNode.Scalar.Kind kind(ScalarNode scalar) {
        Tag tag = scalar.getTag();
        String text = scalar.getValue();
        if (Tag.NULL.equals(tag)) {
            return YamlNode.Scalar.Kind.NULL;
        }
        if (Tag.BOOL.equals(tag) && Resolver.BOOL.matcher(text).matches()) {
            return YamlNode.Scalar.Kind.BOOLEAN;
        }
        if (Tag.INT.equals(tag) && Resolver.INT.matcher(text).matches()) {
            return YamlNode.Scalar.Kind.INTEGER;
        }
        if (Tag.FLOAT.equals(tag) && Resolver.FLOAT.matcher(text).matches()) {
            return YamlNode.Scalar.Kind.FLOAT;
        }
        return YamlNode.Scalar.Kind.TEXT;
    }

    /**
     * A scalar's value as YAML 1.1 types it, by SnakeYAML's safe constructor: {@code yes} and {@code on}
     * are true, {@code 0644} is octal, {@code 1:30} base 60, as in cloud-init's PyYAML.
     */
    static Object typedValue(YamlNode.Scalar scalar) {
        try {
            return switch (scalar.kind()) {
                case NULL -> null;
                case TEXT -> scalar.text();
                case BOOLEAN -> Yaml11Values.construct(Tag.BOOL, scalar.text());
                case INTEGER -> Yaml11Values.construct(Tag.INT, scalar.text());
                case FLOAT -> Yaml11Values.construct(Tag.FLOAT, scalar.text());
            };
        } catch (NumberFormatException e) {
            return scalar.text(); // resolved as a number but no number ("._", found by trying): left as written
        }
    }

    /** SnakeYAML's safe constructor, for one scalar at a time (a constructor keeps state while it works). */
    private static final class Yaml11Values extends SafeConstructor {

        Yaml11Values() {
            super(new LoaderOptions());
        }

        static Object construct(Tag tag, String text) {
            return new Yaml11Values().constructObject(new ScalarNode(tag, text, null, null, DumperOptions.ScalarStyle.PLAIN));
        }
    }

    private static SourcePos position(Path file, Mark mark) {
        return mark == null ? new SourcePos(file, 1, 1) : new SourcePos(file, mark.getLine() + 1, mark.getColumn() + 1);
    }
}
