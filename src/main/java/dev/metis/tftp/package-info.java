/**
 * TFTP: codec, per-transfer state machine, request decisions, the files it serves (the TFTP root and the
 * Raspberry Pi layout, whose cmdline.txt comes from {@code boot.BootFiles}), and the access lines and
 * metrics of what the transport reports. No sockets. Uses {@code boot} and below.
 */
package dev.metis.tftp;
