package dev.metis.files;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.time.Duration;

/**
 * A file downloaded over HTTP(S) into a temporary file beside its target, hashed as it streams, and moved into
 * place only when its SHA-256 is the expected one: the target is the right file or is not there.
 */
public final class VerifiedDownload {

    /** What a caller shows of a download as it goes. */
    public interface Progress {
        Progress NONE = new Progress() {
        };

        /** @param length the announced length, or -1 */
        default void started(long length) {
        }

        default void advanced(int bytes) {
        }

        /** The body has arrived whole; its hash is compared next. */
        default void finished() {
        }
    }

    /** The server did not answer 200. */
    public static final class Refused extends IOException {
        Refused(int status) {
            super("HTTP " + status);
        }
    }

    /** The bytes arrived whole, but are not those the hash names. */
    public static final class HashMismatch extends IOException {
        private final String actual;

        HashMismatch(String actual, String expected) {
            super("SHA-256 " + actual + ", not " + expected);
            this.actual = actual;
        }

        public String actual() {
            return actual;
        }
    }

    private VerifiedDownload() {
    }

    /**
     * Downloads {@code url} into {@code target}, following redirects. Temporary files are {@link RunFiles} of
     * kind {@code .<target name>-*.part}, so what a killed run left is deleted by the next.
     *
     * @throws Refused      the answer was not 200
     * @throws HashMismatch the bytes hash to something else; nothing was put in place
     */
    public static void fetch(URI url, String sha256, Path target, Duration connectTimeout, Progress progress)
            throws IOException, InterruptedException {
        Path dir = target.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path partial = RunFiles.create(dir, "." + target.getFileName() + "-", ".part");
        try {
            HttpResponse<InputStream> response = HttpClient.newBuilder().connectTimeout(connectTimeout)
                    .followRedirects(HttpClient.Redirect.NORMAL).build()
                    .send(HttpRequest.newBuilder(url).GET().build(), HttpResponse.BodyHandlers.ofInputStream());
            try (InputStream body = response.body()) {
                if (response.statusCode() != 200) {
                    throw new Refused(response.statusCode());
                }
                progress.started(response.headers().firstValueAsLong("Content-Length").orElse(-1));
                MessageDigest digest = Sha256.newDigest();
                try (FileChannel out = FileChannel.open(partial, StandardOpenOption.WRITE)) {
                    byte[] buffer = new byte[1 << 20];
                    for (int n; (n = body.read(buffer)) >= 0; ) {
                        digest.update(buffer, 0, n);
                        ByteBuffer chunk = ByteBuffer.wrap(buffer, 0, n);
                        while (chunk.hasRemaining()) {
                            out.write(chunk);
                        }
                        progress.advanced(n);
                    }
                    out.force(true);
                }
                progress.finished();
                String actual = Sha256.hex(digest);
                if (!actual.equals(sha256)) {
                    throw new HashMismatch(actual, sha256);
                }
            }
            RunFiles.moveIntoPlace(partial, target);
        } finally {
            try {
                Files.deleteIfExists(partial);
            } catch (IOException ignored) {
                // A stray .part file is ignored by lookups, and deleted by the next download once its run is gone.
            }
        }
    }

    /** A failure as a message: ours say what happened; the HTTP client's need their type to say anything. */
    public static String describe(IOException failure) {
        return failure instanceof Refused || failure instanceof HashMismatch ? failure.getMessage() : failure.toString();
    }
}
