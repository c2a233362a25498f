/**
 * The files nodes need beyond what Metis renders: kernels and initrds, golden images. {@code AssetNeeds} decides,
 * without I/O, which each node needs and where they are looked for; {@code AssetProbe} looks (exists, readable,
 * SHA-256 through {@code FileHashes}, a cache entry or an HTTP HEAD; a golden image's place for the seed, by an
 * {@code ImageLayout} the card commands give it); {@code FetchedFiles} is the cache of
 * kernels and initrds Metis fetches by URL and serves; {@code AssetWatch} keeps {@code serve}'s latest
 * {@code AssetReport}. Uses {@code inventory} and {@code files}.
 */
package dev.metis.assets;
