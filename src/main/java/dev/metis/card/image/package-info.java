/**
 * Golden images: where one comes from ({@code GoldenImages}: a path, or a download into a cache named by
 * SHA-256), its check against that hash ({@code ImageCheck}, {@code ChunkManifest}) and its one pass, mapped or
 * decompressed, into the chunk buffers the writer shares ({@code ImageStream}, {@code ChunkBuffers}). Also what
 * every card package shares: {@code CardException}, {@code Progress}, {@code BackgroundWork}.
 * Uses {@code inventory} and {@code files}; no other card package.
 */
package dev.metis.card.image;
