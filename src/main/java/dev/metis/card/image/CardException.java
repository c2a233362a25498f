package dev.metis.card.image;

/**
 * Why a card or image cannot be made, in words for the operator: it names the node, file or device and
 * never carries a secret. Nothing has been reported as done when this is thrown.
 */
public final class CardException extends Exception {

    public CardException(String message) {
        super(message);
    }

    public CardException(String message, Throwable cause) {
        super(message, cause);
    }
}
