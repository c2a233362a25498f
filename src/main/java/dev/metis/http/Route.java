package dev.metis.http;

import dev.metis.secrets.SecretUnavailableException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;

/**
 * One entry of the route table: everything dispatch, the plain-port filter and the waiting pool need to
 * know about a path, read from one place.
 */
public final class Route {

    public static final List<String> READ = List.of("GET", "HEAD");
    public static final Predicate<Params> NEVER = params -> false;
    public static final Predicate<Params> ALWAYS = params -> true;
    /** Placeholders whose value is a secret the client proves itself with: logs show only its start. */
    public static final Set<String> SECRET_PLACEHOLDERS = Set.of("{token}", "{key}");

    private final String pattern;
    private final String label;
    private final List<String> methods;
    private final boolean plain;
    private final Predicate<Params> mayWait;
    private final Handler handler;
    /** The pattern split once: every request is matched against it. */
    private final List<String> template;

    /**
     * @param pattern  path template: literal segments, {@code {name}} for one segment, {@code {name...}} (last)
     *                 for the rest of the path
     * @param label    the route as metrics and logs name it (bounded cardinality, never what the client sent)
     * @param methods  the methods it answers, in the order the {@code Allow} header lists them; HEAD is answered
     *                 as GET without the body
     * @param plain    kept on the plain port when TLS is on: what firmware and installers fetch, which cannot be
     *                 given a CA
     * @param mayWait  whether answering these parameters may wait for the secret source (Vault), so the transport
     *                 answers off its event loop
     */
    public Route(String pattern, String label, List<String> methods, boolean plain, Predicate<Params> mayWait,
            Handler handler) {
        this.pattern = pattern;
        this.label = label;
        this.methods = List.copyOf(methods);
        this.plain = plain;
        this.mayWait = mayWait;
        this.handler = handler;
        this.template = Paths.segments(pattern);
    }

    public String pattern() {
        return pattern;
    }

    public String label() {
        return label;
    }

    public List<String> methods() {
        return methods;
    }

    public boolean plain() {
        return plain;
    }

    public Predicate<Params> mayWait() {
        return mayWait;
    }

    public Handler handler() {
        return handler;
    }

    /** The pattern's segments, placeholders included. */
    List<String> template() {
        return template;
    }

    /** Answers a request that matched the route, with the route's parameters. */
    @FunctionalInterface
    public interface Handler {
        HttpResponse handle(HttpRequest request, Params params) throws Refused, SecretUnavailableException, IOException;
    }

    /** The values of a matched path's placeholders; {@code rest} holds what {@code {name...}} matched. */
    public record Params(Map<String, String> values, List<String> rest) {
        public String get(String name) {
            String value = values.get(name);
            if (value == null) {
                throw new IllegalArgumentException("no parameter " + name);
            }
            return value;
        }
    }

    /** The route's parameters for these decoded path segments, if the path is this route's. */
    public Optional<Params> match(List<String> segments) {
        Map<String, String> values = new LinkedHashMap<>();
        for (int i = 0; i < template.size(); i++) {
            String part = template.get(i);
            if (part.endsWith("...}")) {
                return Optional.of(new Params(values, new ArrayList<>(segments.subList(Math.min(i, segments.size()), segments.size()))));
            }
            if (i >= segments.size()) {
                return Optional.empty();
            }
            if (part.startsWith("{")) {
                values.put(part.substring(1, part.length() - 1), segments.get(i));
            } else if (!part.equals(segments.get(i))) {
                return Optional.empty();
            }
        }
        return segments.size() == template.size() ? Optional.of(new Params(values, List.of())) : Optional.empty();
    }
}
