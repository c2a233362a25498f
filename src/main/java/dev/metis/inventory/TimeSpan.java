package dev.metis.inventory;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A duration as people write it in YAML and on the command line: {@code 500ms}, {@code 5s}, {@code 1m}, {@code 2h}. */
public record TimeSpan(Duration duration, String text) {

    private static final Pattern FORM = Pattern.compile("([0-9]{1,9})(ms|s|m|h)");

    @JsonCreator
    public static TimeSpan parse(String text) {
        Matcher m = text == null ? null : FORM.matcher(text.trim());
        if (m == null || !m.matches()) {
            throw new IllegalArgumentException("expected e.g. 500ms, 2s or 1m, got '" + text + "'");
        }
        long amount = Long.parseLong(m.group(1));
        Duration duration = switch (m.group(2)) {
            case "ms" -> Duration.ofMillis(amount);
            case "s" -> Duration.ofSeconds(amount);
            case "m" -> Duration.ofMinutes(amount);
            default -> Duration.ofHours(amount);
        };
        return new TimeSpan(duration, m.group());
    }

    @JsonValue
    @Override
    public String toString() {
        return text;
    }
}
