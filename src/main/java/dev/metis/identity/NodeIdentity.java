package dev.metis.identity;

import java.nio.charset.StandardCharsets;
import java.util.EnumMap;
import java.util.Map;

/**
 * The exact bytes one node receives, over the network or on its card.
 *
 * @param configHash SHA-256 of the node's secret-free seed; equal hashes mean equal configuration, so
 *                   comparing it with the hash a node was provisioned with shows drift
 * @param instanceId the cloud-init instance-id, derived from {@code configHash}
 */
public record NodeIdentity(String nodeName, String configHash, String instanceId, Map<Artifact, byte[]> files) {

    public NodeIdentity {
        files = Map.copyOf(new EnumMap<>(files));
    }

    public byte[] bytes(Artifact artifact) {
        return files.get(artifact).clone();
    }

    public String text(Artifact artifact) {
        return new String(files.get(artifact), StandardCharsets.UTF_8);
    }
}
