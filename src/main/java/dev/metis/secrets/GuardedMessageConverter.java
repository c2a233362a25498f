package dev.metis.secrets;

import ch.qos.logback.classic.pattern.MessageConverter;
import ch.qos.logback.classic.spi.ILoggingEvent;

/** Logback's {@code %msg} with every known secret value masked (see {@link LeakGuard}); wired in logback.xml. */
public final class GuardedMessageConverter extends MessageConverter {

    @Override
    public String convert(ILoggingEvent event) {
        return LeakGuard.mask(super.convert(event));
    }
}
