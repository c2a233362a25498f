package dev.metis.identity;

import dev.metis.inventory.ResolvedNode;
import dev.metis.secrets.SecretUnavailableException;

/**
 * Where a node's whole identity comes from: rendered on the spot from a secret source (the command line),
 * or a served inventory's generation (the server), so a card made by either is the same bytes.
 */
@FunctionalInterface
public interface IdentitySource {

    NodeIdentity identity(ResolvedNode node) throws SecretUnavailableException;
}
