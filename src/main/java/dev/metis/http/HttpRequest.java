package dev.metis.http;

import java.net.InetAddress;
import java.util.Map;

/**
 * An HTTP request as the routes see it, free of any transport types.
 *
 * @param path    the raw path, without the query string, still percent-encoded
 * @param headers header names in lower case
 * @param secure  it came over TLS
 */
public record HttpRequest(String method, String path, Map<String, String> headers, byte[] body, InetAddress remote,
        boolean secure) {

    public String header(String name) {
        return headers.get(name);
    }
}
