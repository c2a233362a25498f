package dev.metis.metrics;

import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The access log, one line per request answered or refused, by every protocol. Named once here because
 * logback.xml routes it by this name, with a level of its own ({@code METIS_ACCESS_LOG}).
 */
public final class AccessLog {

    public static final Logger LOG = LoggerFactory.getLogger("metis.access");

    private static final Pattern UNPRINTABLE = Pattern.compile("[\\p{Cntrl}\"]");

    private AccessLog() {
    }

    /**
     * What a client sent (a path, a file name), fit for one log line: cut to {@code max} characters, and
     * without control characters or quotes that would forge lines or fields.
     */
    public static String printable(String sent, int max) {
        return UNPRINTABLE.matcher(sent.length() > max ? sent.substring(0, max) + "..." : sent).replaceAll("?");
    }
}
