package dev.metis.inventory;

/**
 * Which layer set a merged value, and where: answers "why does this node have that setting?".
 *
 * @param value the value as plain text, list or map, as written
 */
public record Origin(String layer, SourcePos pos, Object value) {

    @Override
    public String toString() {
        return layer + " (" + pos + ")";
    }
}
