package dev.metis.cli;

import dev.metis.files.PemTrust;
import java.io.IOException;
import java.net.http.HttpClient;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.time.Duration;
import picocli.CommandLine.Option;

/** {@code --cacert}, and the HTTP client of the commands that call a running server's API. */
final class ServerClient {

    @Option(names = "--cacert", paramLabel = "FILE",
            description = "PEM certificates to trust for an https:// server (default: the JDK's CAs).")
    Path caFile;

    HttpClient build() throws IOException, GeneralSecurityException {
        HttpClient.Builder client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5));
        if (caFile != null) {
            client.sslContext(PemTrust.trusting(caFile));
        }
        return client.build();
    }
}
