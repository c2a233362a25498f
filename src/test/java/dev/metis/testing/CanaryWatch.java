package dev.metis.testing;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The leak check over the whole suite: every test class runs with its log captured, and fails when a
 * canary secret (any value starting with {@value #PREFIX}, as the canary tests put into secrets files
 * and Vault) reached a log message or exception text. Registered for every test class through
 * {@code META-INF/services} and {@code junit-platform.properties}.
 */
public final class CanaryWatch implements BeforeAllCallback, AfterAllCallback {

    public static final String PREFIX = "CANARY-";
    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(CanaryWatch.class);

    @Override
    public void beforeAll(ExtensionContext context) {
        context.getStore(NAMESPACE).put("logs", new LogCapture());
    }

    @Override
    public void afterAll(ExtensionContext context) {
        try (LogCapture logs = context.getStore(NAMESPACE).remove("logs", LogCapture.class)) {
            String leaked = logs.text().lines().filter(l -> l.contains(PREFIX)).findFirst().orElse(null);
            if (leaked != null) {
                throw new AssertionError("a canary secret reached the log: " + leaked);
            }
        }
    }
}
