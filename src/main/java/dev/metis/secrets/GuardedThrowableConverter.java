package dev.metis.secrets;

import ch.qos.logback.classic.pattern.ThrowableProxyConverter;
import ch.qos.logback.classic.spi.ILoggingEvent;

/**
 * Logback's {@code %ex} with every known secret value masked in the messages of the exception and its
 * causes (see {@link LeakGuard}); wired in logback.xml.
 */
public final class GuardedThrowableConverter extends ThrowableProxyConverter {

    @Override
    public String convert(ILoggingEvent event) {
        return LeakGuard.mask(super.convert(event));
    }
}
