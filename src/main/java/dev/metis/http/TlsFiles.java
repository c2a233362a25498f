package dev.metis.http;

import java.nio.file.Path;

/**
 * A PEM certificate (chain) and its private key, which must be unencrypted PKCS#8
 * ({@code BEGIN PRIVATE KEY}): the JDK reads no other form without BouncyCastle.
 */
public record TlsFiles(Path certificate, Path key) {
}
