package dev.metis.identity;

import java.nio.charset.StandardCharsets;
import java.util.EnumMap;
import java.util.Map;

/**
 * The exact bytes one node receives, over the network or on its card; rendered without secrets it
 * lacks the files that carry them (see {@link Artifact#carriesSecrets()}).
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
        return file(artifact).clone();
    }

    public String text(Artifact artifact) {
        return new String(file(artifact), StandardCharsets.UTF_8);
    }

    private byte[] file(Artifact artifact) {
        byte[] bytes = files.get(artifact);
        if (bytes == null) {
            throw new IllegalStateException(artifact + " of node " + nodeName + " was rendered without its secrets");
        }
        return bytes;
    }
}
