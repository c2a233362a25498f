package dev.metis.secrets;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.LoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.encoder.LayoutWrappingEncoder;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

class LeakGuardTest {

    private static final String CANARY = "CANARY-guard-4e1d9a";

    @Test
    void everySecretValueIsMaskedWhereverItStands() {
        Secret.of(CANARY);
        Secret.of("CANARY-guard-4e1d9a-longer");
        assertThat(LeakGuard.mask("a " + CANARY + " b" + CANARY + "c")).isEqualTo("a <redacted> b<redacted>c");
        assertThat(LeakGuard.mask("x=CANARY-guard-4e1d9a-longer;")).isEqualTo("x=<redacted>;");
        assertThat(LeakGuard.mask(CANARY.substring(1))).isEqualTo(CANARY.substring(1));
        assertThat(LeakGuard.mask("nothing here")).isEqualTo("nothing here");
    }

    @Test
    void shortValuesAreLeftAloneSinceTheyWouldMangleEveryLine() {
        Secret.of("12345");
        assertThat(LeakGuard.mask("port 12345")).isEqualTo("port 12345");
    }

    @Test
    void theLoggingSetupMasksMessagesAndExceptionsOfEveryAppender() {
        Secret.of(CANARY);
        LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
        Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        @SuppressWarnings("unchecked")
        ConsoleAppender<ch.qos.logback.classic.spi.ILoggingEvent> stderr =
                (ConsoleAppender<ch.qos.logback.classic.spi.ILoggingEvent>) root.getAppender("STDERR");
        LayoutWrappingEncoder<ch.qos.logback.classic.spi.ILoggingEvent> encoder =
                (LayoutWrappingEncoder<ch.qos.logback.classic.spi.ILoggingEvent>) stderr.getEncoder();
        LoggingEvent event = new LoggingEvent(getClass().getName(), root, Level.ERROR, "token is {}",
                new IllegalStateException("failed with " + CANARY, new RuntimeException("cause " + CANARY)),
                new Object[] {CANARY});
        String line = new String(encoder.encode(event), StandardCharsets.UTF_8);
        assertThat(line).contains("token is <redacted>", "failed with <redacted>", "cause <redacted>",
                "at dev.metis.secrets.LeakGuardTest").doesNotContain(CANARY);
    }
}
