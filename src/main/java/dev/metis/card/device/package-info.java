/**
 * Writing a card: {@code CardTarget} (a whole block device or a file, and what makes writing it unsafe, from
 * sysfs and /proc) and {@code CardWriter} (chunks from the image's buffers onto the target with direct I/O,
 * the partition table last, then all read back and compared). Uses {@code card.image} and {@code card.disk}.
 */
package dev.metis.card.device;
