/**
 * Proxy-DHCP: the codec (dhcp4java behind our records), firmware recognition, the reply rules, and the
 * responder the transport hands datagrams to. Uses {@code boot} and below.
 */
package dev.metis.dhcp;
