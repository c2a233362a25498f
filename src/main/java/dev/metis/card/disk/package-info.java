/**
 * What lies inside a disk image: {@code PartitionTable} (MBR, GPT), {@code FatVolume} (FAT edits) on an
 * {@code Overlay} that keeps the changed sectors in memory over the untouched image, {@code BootPartition}
 * (the seed laid in, then read back), {@code FileReads} (positional reads that fill a buffer). Uses
 * {@code card.image}, for {@code CardException} only.
 */
package dev.metis.card.disk;
