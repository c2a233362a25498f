/**
 * Value types of the network: MAC addresses, IPv4 addresses and prefixes. Uses nothing of Metis.
 */
package dev.metis.net;
