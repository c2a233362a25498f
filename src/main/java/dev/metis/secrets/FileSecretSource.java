package dev.metis.secrets;

import dev.metis.inventory.InvalidInputException;
import dev.metis.inventory.Problem;
import dev.metis.inventory.ResolvedNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Secrets from a local YAML file:
 * <pre>
 * defaults:            # for every node, e.g. a shared agent token
 *   k3s_token: ...
 * nodes:
 *   cp-01:
 *     k3s_token: ...
 *     ssh_password: '$6$...'
 *     extra: {wifi_psk: ...}
 * </pre>
 * A node's entry overrides the defaults field by field; {@code extra} maps merge.
 */
public final class FileSecretSource implements SecretSource {

    private static final Logger LOG = LoggerFactory.getLogger(FileSecretSource.class);

    private final SecretsFile.Contents contents;

    private FileSecretSource(SecretsFile.Contents contents) {
        this.contents = contents;
    }

    public static FileSecretSource load(Path file) throws InvalidInputException {
        SecretsFile.Contents contents = SecretsFile.read(file);
        warnIfReadableByOthers(file);
        return new FileSecretSource(contents);
    }

    private static void warnIfReadableByOthers(Path file) {
        try {
            Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(file);
            if (permissions.contains(PosixFilePermission.OTHERS_READ) || permissions.contains(PosixFilePermission.GROUP_READ)) {
                LOG.warn("secrets file {} is readable by group or others; run: chmod 600 {}", file, file);
            }
        } catch (IOException | UnsupportedOperationException e) {
            LOG.debug("cannot read permissions of {}: {}", file, e.toString());
        }
    }

    /** Problems with the file's node names, checked against the inventory once both are loaded. */
    public List<Problem> unknownNodes(Set<String> inventoryNodes) {
        return SecretsFile.unknownNodes(contents, inventoryNodes);
    }

    @Override
    public NodeSecrets secretsFor(ResolvedNode node) {
        SecretsFile.Entry defaults = contents.defaults();
        SecretsFile.Entry own = contents.nodes().getOrDefault(node.name(), SecretsFile.Entry.EMPTY);
        Map<String, Secret> extra = new LinkedHashMap<>();
        defaults.extra().forEach((k, v) -> extra.put(k, Secret.of(v)));
        own.extra().forEach((k, v) -> extra.put(k, Secret.of(v)));
        return new NodeSecrets(
                Optional.ofNullable(own.k3sToken() != null ? own.k3sToken() : defaults.k3sToken()).map(Secret::of),
                Optional.ofNullable(own.sshPassword() != null ? own.sshPassword() : defaults.sshPassword()).map(Secret::of),
                extra);
    }

    @Override
    public String toString() {
        return "secrets file " + contents.file();
    }
}
