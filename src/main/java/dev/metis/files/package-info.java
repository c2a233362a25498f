/**
 * File helpers every layer may use: {@code SafePath} (the one mapping of client paths onto a served root),
 * {@code Sha256}, {@code PemTrust}. Uses nothing of Metis.
 */
package dev.metis.files;
