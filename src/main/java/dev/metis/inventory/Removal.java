package dev.metis.inventory;

/**
 * An inherited value that a later layer removed with an explicit null: answers "why does this node not
 * have that setting?" as {@link Origin} answers why it has one.
 *
 * @param layer   the layer whose null removed it
 * @param pos     where that null is written (its key)
 * @param removed the value it removed, with the layer and place that had set it
 */
public record Removal(String layer, SourcePos pos, Origin removed) {
}
