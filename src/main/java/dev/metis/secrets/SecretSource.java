package dev.metis.secrets;

import dev.metis.inventory.ResolvedNode;

/** Where per-node secrets come from: a local file today, Vault later, behind this one port. */
public interface SecretSource {

    /**
     * @throws SecretUnavailableException when the node's secrets cannot be had now; the message names
     *                                    the node and where it looked, never a secret or credential
     */
    NodeSecrets secretsFor(ResolvedNode node) throws SecretUnavailableException;

    /** For nodes in a site without secrets. */
    SecretSource NONE = node -> NodeSecrets.NONE;
}
