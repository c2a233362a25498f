package dev.metis.metrics;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The access log, one line per request answered or refused, by every protocol. Named once here because
 * logback.xml routes it by this name, with a level of its own ({@code METIS_ACCESS_LOG}).
 */
public final class AccessLog {

    public static final Logger LOG = LoggerFactory.getLogger("metis.access");

    private AccessLog() {
    }
}
