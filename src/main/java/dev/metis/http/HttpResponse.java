package dev.metis.http;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * An answer: either bytes, or a byte range of a file that the transport sends without copying.
 *
 * @param route   the route template, for metrics and logs (bounded cardinality)
 * @param file    when non-null, the body is {@code length} bytes of this file from {@code offset}
 * @param headOnly send headers (with the full Content-Length) but no body
 */
public record HttpResponse(String route, int status, String contentType, Map<String, String> headers, byte[] body,
        Path file, long offset, long length, boolean headOnly) {

    public HttpResponse {
        headers = Map.copyOf(headers);
    }

    public static HttpResponse bytes(String route, int status, String contentType, byte[] body) {
        return new HttpResponse(route, status, contentType, Map.of(), body, null, 0, body.length, false);
    }

    public static HttpResponse text(String route, int status, String contentType, String body) {
        return bytes(route, status, contentType, body.getBytes(StandardCharsets.UTF_8));
    }

    public HttpResponse withHeader(String name, String value) {
        Map<String, String> more = new LinkedHashMap<>(headers);
        more.put(name, value);
        return new HttpResponse(route, status, contentType, more, body, file, offset, length, headOnly);
    }

    public HttpResponse withoutBody() {
        return new HttpResponse(route, status, contentType, headers, body, file, offset, length, true);
    }

    /** Bytes of body actually sent. */
    public long sentBytes() {
        return headOnly ? 0 : length;
    }
}
