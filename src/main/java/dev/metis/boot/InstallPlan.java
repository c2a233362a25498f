package dev.metis.boot;

import dev.metis.inventory.ResolvedNode;
import java.nio.charset.StandardCharsets;

/**
 * The plan the recovery environment follows, as text a shell reads line by line: what to write where, and
 * each chunk's hash, so it can skip what the disk already holds, write zeros without downloading them, and
 * verify. Format (version 1): {@code metis-install 1}, {@code node NAME}, {@code disk SPEC},
 * {@code size BYTES}, {@code chunk BYTES}, then {@code c INDEX SHA256|zero} per chunk.
 */
public final class InstallPlan {

    public static final String VERSION_LINE = "metis-install 1";
    public static final String ZERO = "zero";

    private InstallPlan() {
    }

    public static byte[] text(ResolvedNode node, InstallImages.Rendered image) {
        StringBuilder out = new StringBuilder(128 + image.chunks().size() * 70);
        out.append(VERSION_LINE).append('\n')
                .append("node ").append(node.name()).append('\n')
                .append("disk ").append(node.spec().install().disk()).append('\n')
                .append("size ").append(image.size()).append('\n')
                .append("chunk ").append(image.chunkSize()).append('\n');
        for (int i = 0; i < image.chunks().size(); i++) {
            String hash = image.chunks().get(i);
            out.append("c ").append(i).append(' ').append(hash == null ? ZERO : hash).append('\n');
        }
        return out.toString().getBytes(StandardCharsets.US_ASCII);
    }
}
