package dev.metis.assets;

import java.nio.file.Path;
import java.util.Optional;

/**
 * What {@code inventory check} asks of a golden image at hand besides its hash: whether it has a place for a
 * node's seed. The card commands know image layouts and answer; this package, below them, only asks.
 */
@FunctionalInterface
public interface ImageLayout {

    /** @return what stops a seed from being laid into the image, or empty when it has a place for one */
    Optional<String> seedPlaceProblem(Path image);
}
