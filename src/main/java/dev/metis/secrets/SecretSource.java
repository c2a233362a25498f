package dev.metis.secrets;

import dev.metis.inventory.ResolvedNode;

/**
 * Where per-node secrets come from: a local file or Vault, behind this one port. A source may hold
 * connections and threads (Vault's token renewal), so it is closed when no longer used.
 */
public interface SecretSource extends AutoCloseable {

    /**
     * @throws SecretUnavailableException when the node's secrets cannot be had now; the message names
     *                                    the node and where it looked, never a secret or credential
     */
    NodeSecrets secretsFor(ResolvedNode node) throws SecretUnavailableException;

    @Override
    default void close() {
    }

    /** For nodes in a site without secrets. */
    SecretSource NONE = node -> NodeSecrets.NONE;
}
