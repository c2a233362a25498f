package dev.metis.secrets;

import java.util.Locale;

/**
 * A node's secrets could not be obtained; the message is safe to log and show. It names the node and
 * where the source looked (e.g. {@code node cp-01: Vault secret secret/data/nodes/cp-01 at
 * https://vault:8200: permission denied (HTTP 403)}), never a secret or credential, so commands can
 * print it as it is.
 */
public class SecretUnavailableException extends Exception {

    /** Why, for metrics and health: the first four concern the source as a whole, the rest one node. */
    public enum Reason {
        /** The source could not be reached. */
        UNREACHABLE,
        /** The source did not answer in time. */
        TIMEOUT,
        /** Metis could not log in to the source. */
        LOGIN,
        /** The source answered with an error of its own (e.g. Vault sealed). */
        ERROR,
        /** The source refused to give this node's secrets. */
        FORBIDDEN,
        /** The source has no secrets for this node. */
        MISSING,
        /** The node's secrets are there but not usable (unknown field, wrong type, bad cloud-config). */
        INVALID;

        /** True when the failure says nothing about the node, so a later success for any node clears it. */
        public boolean sourceWide() {
            return ordinal() <= ERROR.ordinal();
        }

        /** Lower-case, as used in metric labels. */
        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    private final Reason reason;

    public SecretUnavailableException(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
