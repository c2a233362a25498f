package dev.metis.http;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.metis.inventory.ResolvedNode;
import dev.metis.net.MacAddress;
import dev.metis.secrets.LeakGuard;
import dev.metis.served.ServedInventory;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The answers every area builds alike: JSON bodies, error bodies, and the refusals of a bad parameter. */
final class Answers {

    static final String TEXT = "text/plain; charset=utf-8";
    private static final ObjectMapper JSON = new ObjectMapper().registerModule(new JavaTimeModule())
            .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .setSerializationInclusion(JsonInclude.Include.NON_NULL);

    private Answers() {
    }

    static HttpResponse json(String route, int status, Object body) throws JsonProcessingException {
        return HttpResponse.bytes(route, status, "application/json", JSON.writeValueAsBytes(body));
    }

    /** An error as JSON; the message is masked, since some name what a secret source said. */
    static HttpResponse error(String route, int status, String message) {
        try {
            return json(route, status, Map.of("error", LeakGuard.mask(message), "status", status));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a two-field map is always JSON", e);
        }
    }

    static HttpResponse notAllowed(String route, List<String> allowed) {
        String methods = String.join(", ", allowed);
        return error(route, 405, "method not allowed; use " + methods).withHeader("allow", methods);
    }

    static MacAddress requireMac(String route, String text) throws Refused {
        try {
            return MacAddress.parse(text);
        } catch (IllegalArgumentException e) {
            throw new Refused(error(route, 400, "not a MAC address: " + text));
        }
    }

    static ResolvedNode requireNode(String route, ServedInventory.Generation current, MacAddress mac) throws Refused {
        return current.inventory().nodeByMac(mac)
                .orElseThrow(() -> new Refused(error(route, 404, "no node with MAC " + mac)));
    }

    /** An {@code application/x-www-form-urlencoded} body, as cloud-init and the recovery environment post them. */
    static Map<String, String> form(byte[] body) {
        Map<String, String> form = new LinkedHashMap<>();
        if (body == null || body.length == 0) {
            return form;
        }
        for (String pair : new String(body, StandardCharsets.UTF_8).split("&")) {
            int eq = pair.indexOf('=');
            if (eq > 0) {
                try {
                    form.put(URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
                            URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
                } catch (IllegalArgumentException malformed) {
                    // a malformed pair is skipped; the rest of the report still counts
                }
            }
        }
        return form;
    }
}
