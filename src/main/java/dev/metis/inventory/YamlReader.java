package dev.metis.inventory;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;

/**
 * Reads a YAML file into {@link YamlNode}s with positions. SnakeYAML (which Jackson's YAML module
 * ships) composes the node graph; Jackson's own tree drops positions, which every error needs.
 */
public final class YamlReader {

    private YamlReader() {
    }

    public static YamlNode read(Path file, String layer) throws InvalidInputException {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new InvalidInputException(List.of(new Problem(new SourcePos(file, 1, 1),
                    "cannot read file: " + e.getClass().getSimpleName() + ": " + e.getMessage())));
        }
        return parse(file, text, layer);
    }

    public static YamlNode parse(Path file, String text, String layer) throws InvalidInputException {
        LoaderOptions options = new LoaderOptions();
        options.setAllowRecursiveKeys(false);
        options.setMaxAliasesForCollections(50);
        options.setNestingDepthLimit(64);
        Node root;
        try (Reader reader = new java.io.StringReader(text)) {
            root = new Yaml(options).compose(reader);
        } catch (MarkedYAMLException e) {
            Mark mark = e.getProblemMark() != null ? e.getProblemMark() : e.getContextMark();
            String what = e.getProblem() != null ? e.getProblem() : e.getMessage();
            throw new InvalidInputException(List.of(new Problem(position(file, mark), "YAML syntax: " + what)));
        } catch (RuntimeException | IOException e) {
            // SnakeYAML also throws plain IllegalArgumentExceptions on some malformed input (found by fuzzing,
            // e.g. a tag "!1%+F"): every failure of the parser is a problem with the file.
            throw new InvalidInputException(List.of(new Problem(new SourcePos(file, 1, 1), "YAML: " + e.getMessage())));
        }
        if (root == null) {
            return new YamlNode.Mapping(Map.of(), Map.of(), new SourcePos(file, 1, 1), layer);
        }
        List<Problem> problems = new ArrayList<>();
        YamlNode tree = convert(file, root, layer, problems);
        if (!problems.isEmpty()) {
            throw new InvalidInputException(problems);
        }
        return tree;
    }

    private static YamlNode convert(Path file, Node node, String layer, List<Problem> problems) {
        SourcePos pos = position(file, node.getStartMark());
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
                entries.put(key, convert(file, tuple.getValueNode(), layer, problems));
            }
            return new YamlNode.Mapping(entries, keyPositions, pos, layer);
        }
        if (node instanceof SequenceNode sequence) {
            List<YamlNode> items = new ArrayList<>();
            for (Node item : sequence.getValue()) {
                items.add(convert(file, item, layer, problems));
            }
            return new YamlNode.Sequence(items, pos, layer);
        }
        ScalarNode scalar = (ScalarNode) node;
        boolean isNull = Tag.NULL.equals(scalar.getTag());
        return new YamlNode.Scalar(scalar.getValue(), isNull, pos, layer);
    }

    private static SourcePos position(Path file, Mark mark) {
        return mark == null ? new SourcePos(file, 1, 1) : new SourcePos(file, mark.getLine() + 1, mark.getColumn() + 1);
    }
}
