/**
 * Netty, and only here: sockets, event loops, backpressure and limits for HTTP, DHCP and TFTP. Moves bytes
 * to and from the protocol packages' responders; logs and counts nothing of its own. Uses {@code dhcp},
 * {@code tftp}, {@code http} and below.
 */
package dev.metis.transport;
