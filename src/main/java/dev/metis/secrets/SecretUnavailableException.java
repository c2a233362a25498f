package dev.metis.secrets;

/** A node's secrets could not be obtained; the message is safe to log and show. */
public class SecretUnavailableException extends Exception {

    public SecretUnavailableException(String message) {
        super(message);
    }
}
