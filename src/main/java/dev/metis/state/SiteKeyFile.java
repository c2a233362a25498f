package dev.metis.state;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Base64;

/**
 * The site key in {@code <state-dir>/site.key} (mode 0600): random bytes the server derives per-node keys
 * from (see {@code dev.metis.identity.PhoneHomeKeys}). Made on first use by whichever command needs it
 * first, {@code serve} or {@code image}/{@code burn}; commands that should agree must share the state
 * directory (or a copy of this file).
 */
public final class SiteKeyFile {

    public static final String FILE = "site.key";
    private static final int BYTES = 32;

    private SiteKeyFile() {
    }

    /** The key, made and saved first when the file does not exist yet. */
    public static byte[] loadOrCreate(Path stateDir) throws IOException {
        Path file = stateDir.resolve(FILE);
        if (!Files.exists(file)) {
            Files.createDirectories(stateDir);
            byte[] fresh = random();
            // Never replaced: cards already made carry keys derived from the first one.
            if (AtomicFile.createOnce(file, (Base64.getEncoder().encodeToString(fresh) + "\n")
                    .getBytes(StandardCharsets.US_ASCII))) {
                return fresh;
            }
        }
        return read(file);
    }

    /**
     * The key if there is one, else a random one that is not saved: for renderings that only show what
     * would be written, and must not leave a key behind.
     */
    public static byte[] loadOrStandIn(Path stateDir) throws IOException {
        Path file = stateDir.resolve(FILE);
        return Files.exists(file) ? read(file) : random();
    }

    private static byte[] random() {
        byte[] fresh = new byte[BYTES];
        new SecureRandom().nextBytes(fresh);
        return fresh;
    }

    private static byte[] read(Path file) throws IOException {
        byte[] key;
        try {
            key = Base64.getDecoder().decode(Files.readString(file, StandardCharsets.US_ASCII).trim());
        } catch (IllegalArgumentException e) {
            throw new IOException(file + ": not a base64 site key");
        }
        if (key.length < BYTES) {
            throw new IOException(file + ": the site key must have at least " + BYTES + " bytes, found " + key.length);
        }
        return key;
    }
}
