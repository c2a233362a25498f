package dev.metis.identity;

/** A node's identity cannot be rendered (e.g. a file template names an unknown field). */
public class IdentityException extends RuntimeException {

    public IdentityException(String message, Throwable cause) {
        super(message, cause);
    }
}
