/**
 * Writing a card: {@link CardTarget} (a whole block device or a file, and what makes writing it unsafe, from
 * sysfs and /proc) and {@link CardWriter} (chunks from the image's shared buffers onto the target with direct
 * I/O, the partition table last, then all read back and compared). Uses {@code dev.metis.card.image} and
 * {@code dev.metis.card.disk}; never {@code dev.metis.card} itself.
 */
package dev.metis.card.device;
