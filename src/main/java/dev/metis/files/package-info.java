/**
 * File helpers every layer may use: {@code SafePath} (the one mapping of client paths onto a served root),
 * {@code Sha256}, {@code PemTrust}, {@code RunFiles} (a run's temporary files), {@code VerifiedDownload} (a
 * download put in place only when its hash matches). Uses nothing of Metis.
 */
package dev.metis.files;
