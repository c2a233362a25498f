package dev.metis.serve;

import dev.metis.secrets.Secret;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.HexFormat;

/**
 * The bearer token the admin API requires: from {@code METIS_ADMIN_TOKEN}, a token file, or, secure by
 * default, one generated into the state directory (mode 0600) on first start.
 */
public final class AdminToken {

    public static final String ENV = "METIS_ADMIN_TOKEN";
    static final String FILE_NAME = "admin-token";

    private AdminToken() {
    }

    public static Secret resolve(String fromEnvironment, Path tokenFile, Path stateDir) throws IOException {
        if (fromEnvironment != null && !fromEnvironment.isBlank()) {
            return Secret.of(fromEnvironment.trim());
        }
        if (tokenFile != null) {
            return read(tokenFile);
        }
        Path generated = stateDir.resolve(FILE_NAME);
        if (Files.exists(generated)) {
            return read(generated);
        }
        byte[] random = new byte[32];
        new SecureRandom().nextBytes(random);
        String token = HexFormat.of().formatHex(random);
        Files.writeString(generated, token + "\n", StandardCharsets.UTF_8);
        Files.setPosixFilePermissions(generated, PosixFilePermissions.fromString("rw-------"));
        return Secret.of(token);
    }

    public static Secret read(Path file) throws IOException {
        String token = Files.readString(file, StandardCharsets.UTF_8).trim();
        if (token.isEmpty()) {
            throw new IOException("admin token file " + file + " is empty");
        }
        return Secret.of(token);
    }

    /** Where a generated token lives, for the startup log line (which never prints the token). */
    public static Path generatedFile(Path stateDir) {
        return stateDir.resolve(FILE_NAME);
    }
}
