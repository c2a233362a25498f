package dev.metis.cli;

import dev.metis.http.HttpLimits;
import dev.metis.http.TlsFiles;
import dev.metis.inventory.InvalidInputException;
import dev.metis.inventory.TimeSpan;
import dev.metis.secrets.Secret;
import dev.metis.secrets.SecretSources;
import dev.metis.serve.AdminToken;
import dev.metis.serve.MetisServer;
import dev.metis.tftp.TftpLimits;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "serve", mixinStandardHelpOptions = true,
        description = "Serve iPXE scripts, NoCloud seeds, boot assets, node state and metrics.")
final class ServeCommand implements Callable<Integer> {

    @Mixin
    InventoryOptions options;

    @Spec
    CommandSpec spec;

    @Option(names = "--http-addr", defaultValue = "0.0.0.0", description = "HTTP listen address (default: ${DEFAULT-VALUE}).")
    String httpAddress;

    @Option(names = "--http-port", defaultValue = "8080", description = "HTTP port (default: ${DEFAULT-VALUE}).")
    int httpPort;

    @Option(names = "--state-dir", paramLabel = "DIR",
            description = "Where node states and events, the site key and the burn history are kept (default: "
                    + StateDirectory.DEFAULT + ").")
    Path stateDir;

    @Option(names = "--boot-assets", defaultValue = "boot-assets",
            description = "Directory served under /assets/ (default: ${DEFAULT-VALUE}).")
    Path assets;

    @Option(names = "--tftp-root", defaultValue = "ipxe",
            description = "iPXE binaries for firmware that is not yet iPXE (TFTP, and HTTP at /tftp/) (default: ${DEFAULT-VALUE}).")
    Path tftpRoot;

    @Option(names = "--no-tftp", description = "Do not run the TFTP server.")
    boolean noTftp;

    @Option(names = "--tftp-port", defaultValue = "69", description = "TFTP port (default: ${DEFAULT-VALUE}).")
    int tftpPort;

    @Option(names = "--tftp-per-client",
            description = "TFTP transfers one client address may run at once (default: ${DEFAULT-VALUE}).")
    int tftpPerClient = TftpLimits.DEFAULT.maxPerClient();

    @Option(names = "--no-dhcp", description = "Do not run proxy-DHCP.")
    boolean noDhcp;

    @Option(names = "--interface", paramLabel = "NAME",
            description = "Answer proxy-DHCP on this interface (repeatable; default: every interface that is up with IPv4).")
    List<String> interfaces = new ArrayList<>();

    @Option(names = "--dhcp-port", defaultValue = "67", description = "Proxy-DHCP port (default: ${DEFAULT-VALUE}).")
    int dhcpPort;

    @Option(names = "--pxe-port", defaultValue = "4011", description = "PXE boot server port (default: ${DEFAULT-VALUE}).")
    int pxePort;

    @Option(names = "--admin-token-file", paramLabel = "FILE",
            description = "File holding the admin API token; default: $" + AdminToken.ENV
                    + ", else one generated into the state directory.")
    Path adminTokenFile;

    @Option(names = "--reload-interval", defaultValue = "1s", converter = DurationConverter.class,
            description = "How often to look for inventory changes (default: ${DEFAULT-VALUE}).")
    Duration reloadInterval;

    @Option(names = "--seed-window", defaultValue = "30m", converter = DurationConverter.class,
            description = "How long after a node's script was served its user-data may be fetched (default: ${DEFAULT-VALUE}).")
    Duration seedWindow;

    @Option(names = "--tls-cert", paramLabel = "FILE",
            description = "PEM certificate (chain) for HTTPS; with --tls-key, the API and metrics are served over HTTPS only.")
    Path tlsCert;

    @Option(names = "--tls-key", paramLabel = "FILE",
            description = "Unencrypted PKCS#8 PEM key (BEGIN PRIVATE KEY) of --tls-cert.")
    Path tlsKey;

    @Option(names = "--https-port", defaultValue = "8443", description = "HTTPS port, with --tls-cert (default: ${DEFAULT-VALUE}).")
    int httpsPort;

    @Option(names = "--http-request-timeout", defaultValue = "10s", converter = DurationConverter.class,
            description = "How long an HTTP request may take to arrive whole, from its first byte; slower ones are "
                    + "closed (default: ${DEFAULT-VALUE}).")
    Duration httpRequestTimeout;

    @Option(names = "--http-idle-timeout", defaultValue = "60s", converter = DurationConverter.class,
            description = "How long an HTTP connection may go without traffic, between requests or with answers its "
                    + "client does not read (default: ${DEFAULT-VALUE}).")
    Duration httpIdleTimeout;

    @Option(names = "--http-connections-per-client", defaultValue = "32",
            description = "HTTP and HTTPS connections one address may have open at once; more are closed at once "
                    + "(default: ${DEFAULT-VALUE}).")
    int httpConnectionsPerClient;

    @Override
    public Integer call() throws Exception {
        // Not a static field: picocli makes an instance of every command at start, and the first logger sets
        // logback up (a tenth of a second), which the card commands do without.
        Logger log = LoggerFactory.getLogger(ServeCommand.class);
        if ((tlsCert == null) != (tlsKey == null)) {
            throw new ParameterException(spec.commandLine(), "--tls-cert and --tls-key go together");
        }
        if (tftpPerClient < 1) {
            throw new ParameterException(spec.commandLine(), "--tftp-per-client must be at least 1");
        }
        if (seedWindow.isZero()) {
            throw new ParameterException(spec.commandLine(), "--seed-window must be longer than 0");
        }
        HttpLimits httpLimits;
        try {
            httpLimits = new HttpLimits(httpRequestTimeout, httpIdleTimeout, httpConnectionsPerClient);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), "HTTP limits: " + e.getMessage());
        }
        if (!Files.isDirectory(assets)) {
            spec.commandLine().getErr().println("metis: boot assets directory " + assets + " does not exist");
            return Main.INVALID_INPUT;
        }
        // Before anything is written: an inventory that cannot be served leaves no state directory, admin
        // token or site key behind.
        try {
            SecretSources.check(options.load(), options.environment());
        } catch (InvalidInputException e) {
            return Problems.print(spec, e);
        }
        Path state = StateDirectory.resolve(stateDir, options.environment());
        Files.createDirectories(state);
        Secret token = AdminToken.resolve(System.getenv(AdminToken.ENV), adminTokenFile, state);
        if (System.getenv(AdminToken.ENV) == null && adminTokenFile == null) {
            log.info("admin API token: see {} (or set {})", AdminToken.generatedFile(state), AdminToken.ENV);
        }
        MetisServer server;
        try {
            MetisServer.Https https = tlsCert == null ? MetisServer.Https.OFF : new MetisServer.Https(true,
                    new InetSocketAddress(httpAddress, httpsPort), new TlsFiles(tlsCert, tlsKey));
            server = MetisServer.start(new MetisServer.Settings(options.file(), state, assets, tftpRoot,
                    new InetSocketAddress(httpAddress, httpPort), https, httpLimits, token, reloadInterval, seedWindow,
                    new MetisServer.Dhcp(!noDhcp, interfaces, dhcpPort, pxePort),
                    new MetisServer.Tftp(!noTftp, new InetSocketAddress(httpAddress, tftpPort),
                            TftpLimits.DEFAULT.withMaxPerClient(tftpPerClient)), options.environment()));
        } catch (InvalidInputException e) {
            return Problems.print(spec, e);
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                server.close();
            } catch (Exception e) {
                log.warn("while stopping: {}", e.toString());
            } finally {
                stopped.countDown();
            }
        }, "metis-shutdown"));
        stopped.await();
        return 0;
    }

    /** Accepts {@code 500ms}, {@code 2s}, {@code 1m}, {@code 2h}. */
    static final class DurationConverter implements picocli.CommandLine.ITypeConverter<Duration> {
        @Override
        public Duration convert(String value) {
            try {
                return TimeSpan.parse(value).duration();
            } catch (IllegalArgumentException e) {
                throw new picocli.CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }
}
