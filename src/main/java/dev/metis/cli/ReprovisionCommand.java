package dev.metis.cli;

import dev.metis.serve.AdminToken;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "reprovision", mixinStandardHelpOptions = true,
        description = "Re-arm a node so that it is provisioned again at its next boot.")
final class ReprovisionCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "NODE", description = "Node name.")
    String node;

    @Option(names = "--server", required = true, paramLabel = "URL", description = "Metis server, e.g. http://10.20.0.2:8080.")
    URI server;

    @Option(names = "--token-file", paramLabel = "FILE",
            description = "File with the admin token (default: $" + AdminToken.ENV + ").")
    Path tokenFile;

    @Mixin
    ServerClient client;

    @Override
    public Integer call() throws Exception {
        String token = System.getenv(AdminToken.ENV);
        if (tokenFile != null) {
            token = AdminToken.read(tokenFile).reveal();
        }
        if (token == null || token.isBlank()) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                    "no admin token: give --token-file FILE or set " + AdminToken.ENV);
        }
        URI target = server.resolve("/api/v1/nodes/" + URLEncoder.encode(node, StandardCharsets.UTF_8) + "/reprovision");
        HttpRequest request = HttpRequest.newBuilder(target).timeout(Duration.ofSeconds(10))
                .header("Authorization", "Bearer " + token).POST(HttpRequest.BodyPublishers.noBody()).build();
        if (!"https".equals(target.getScheme()) && !isLoopback(target)) {
            spec.commandLine().getErr().println("metis: warning: the admin token goes to " + target.getHost()
                    + " unencrypted; use https:// when the server has TLS");
        }
        HttpResponse<String> response = client.build().send(request, HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() == 200) {
            spec.commandLine().getOut().println("node " + node + " re-armed: it is provisioned again at its next boot");
            return 0;
        }
        spec.commandLine().getErr().println("metis: " + target + " answered " + response.statusCode() + ": " + response.body());
        return Main.INVALID_INPUT;
    }

    private static boolean isLoopback(URI target) {
        try {
            return InetAddress.getByName(target.getHost()).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }
}
