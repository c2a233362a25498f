package dev.metis.secrets;

import java.util.Objects;

/**
 * A secret value. Its {@code toString} is always {@value #REDACTED}, so string concatenation, loggers
 * and exception messages cannot print it; only {@link #reveal()} gives the value, and only the
 * identity renderer and explicit {@code --reveal-secrets} output call it. Every value is also handed to
 * the {@link LeakGuard}, which masks it should it reach a log line some other way.
 */
public final class Secret {

    public static final String REDACTED = "<redacted>";

    private final String value;

    private Secret(String value) {
        this.value = Objects.requireNonNull(value, "secret value");
        LeakGuard.watch(value);
    }

    public static Secret of(String value) {
        return new Secret(value);
    }

    public String reveal() {
        return value;
    }

    @Override
    public String toString() {
        return REDACTED;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof Secret s && s.value.equals(value);
    }

    @Override
    public int hashCode() {
        return value.hashCode();
    }
}
