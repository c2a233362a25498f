/**
 * What lies inside a disk image: its partition table (MBR or GPT), the FAT file system of its boot partition
 * edited in memory over the image's untouched bytes ({@link Overlay}), and the seed laid into it and read back
 * ({@link BootPartition}); {@link FileReads} fills buffers from a file. Uses only
 * {@link dev.metis.card.image.CardException} from {@code dev.metis.card.image}, and nothing else of Metis.
 */
package dev.metis.card.disk;
