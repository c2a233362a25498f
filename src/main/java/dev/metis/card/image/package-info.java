/**
 * Golden images: where one comes from (a local path, or a download into the cache named by SHA-256), how its
 * bytes are checked against the inventory's hash (whole, or by chunks against a manifest), and how it is read
 * (mapped, or decompressed, a chunk at a time into buffers the writer shares). Also what all card packages
 * share: {@link CardException}, {@link Progress}, {@link RunFiles}, {@link BackgroundWork}. Uses
 * {@code dev.metis.files}, {@code dev.metis.inventory} and libraries; no other {@code dev.metis.card} package.
 */
package dev.metis.card.image;
