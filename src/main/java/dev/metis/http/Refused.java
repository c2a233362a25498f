package dev.metis.http;

/** A request that cannot be answered as asked; carries the error answer to send instead. */
public final class Refused extends Exception {

    private final transient HttpResponse response;

    public Refused(HttpResponse response) {
        super(null, null, false, false);
        this.response = response;
    }

    public HttpResponse response() {
        return response;
    }
}
