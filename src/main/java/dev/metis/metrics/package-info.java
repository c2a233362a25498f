/**
 * Every Prometheus metric of {@code metis serve}, {@code metis_} prefixed, recorded with plain labels, and
 * the {@code metis.access} logger every protocol writes its access lines to. Uses nothing of Metis, so that
 * any layer may count and log.
 */
package dev.metis.metrics;
