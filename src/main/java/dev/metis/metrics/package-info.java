/**
 * Every Prometheus metric of {@code metis serve}, {@code metis_} prefixed, recorded with plain labels.
 * Uses nothing of Metis, so that any layer may count.
 */
package dev.metis.metrics;
