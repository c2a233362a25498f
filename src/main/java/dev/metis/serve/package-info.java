/**
 * Wiring for {@code metis serve}: builds the services, starts the transports, reloads the inventory,
 * stops everything. Uses every package but {@code cli}.
 */
package dev.metis.serve;
