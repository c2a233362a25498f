/**
 * What lies inside a disk image: {@code PartitionTable} (MBR, GPT) and {@code GptWriter} (a new GPT entry, both
 * tables), {@code FatVolume} (FAT edits) and {@code Fat12Format} (a new, empty FAT12) on an {@code Overlay} that
 * keeps the changed sectors in memory over the untouched image, {@code SeedPlace} (where the seed goes: the
 * {@code BootPartition}, or a new {@code SeedPartition} on an amd64 cloud image; laid in, then read back),
 * {@code FileReads} (positional reads that fill a buffer). Uses {@code card.image}, for {@code CardException} only.
 */
package dev.metis.card.disk;
