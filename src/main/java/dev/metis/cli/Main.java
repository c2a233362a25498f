package dev.metis.cli;

import dev.metis.secrets.LeakGuard;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point: {@code java -jar metis.jar COMMAND}. Exit codes: 0 ok, 1 invalid input or failure, 2 usage. */
@Command(name = "metis", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Provisioning server for small clusters: one inventory, netboot and SD cards.")
public final class Main {

    public static final int INVALID_INPUT = 1;

    /** The commands by name, in the order the usage lists them. */
    private static final Map<String, Class<?>> COMMANDS = orderedMap("serve", ServeCommand.class, "inventory",
            InventoryCommand.class, "config", ConfigCommand.class, "render", RenderCommand.class, "reprovision",
            ReprovisionCommand.class, "plan", PlanCommand.class, "image", ImageCommand.class, "burn", BurnCommand.class,
            "help", CommandLine.HelpCommand.class);

    private final Map<String, String> environment;

    private Main(Map<String, String> environment) {
        this.environment = Map.copyOf(environment);
    }

    public static void main(String[] args) {
        System.exit(commandLine(System.getenv(), args.length > 0 ? args[0] : null).execute(args));
    }

    public static CommandLine commandLine() {
        return commandLine(System.getenv());
    }

    /** @param environment what commands read Vault's address and credentials from, instead of the process's */
    public static CommandLine commandLine(Map<String, String> environment) {
        return commandLine(environment, null);
    }

    /**
     * @param first the first argument: when it names a command other than help, only that command is built
     *              (picocli reads every command it is given, options and all, before parsing: some 40 ms of a
     *              one-shot command's start for all of them); else all are, for the usage and help
     */
    static CommandLine commandLine(Map<String, String> environment, String first) {
        CommandLine cli = new CommandLine(new Main(environment));
        Class<?> named = "help".equals(first) ? null : COMMANDS.get(first);
        if (named != null) {
            cli.addSubcommand(first, named);
        } else {
            COMMANDS.forEach(cli::addSubcommand);
        }
        cli.setExecutionExceptionHandler((e, cmd, parsed) -> {
            // Exception messages in Metis never carry secrets (see Secret); the guard is for those of libraries.
            cmd.getErr().println("metis: " + LeakGuard.mask(e.getMessage()));
            return INVALID_INPUT;
        });
        return cli;
    }

    Map<String, String> environment() {
        return environment;
    }

    private static Map<String, Class<?>> orderedMap(Object... namesAndCommands) {
        Map<String, Class<?>> map = new LinkedHashMap<>();
        for (int i = 0; i < namesAndCommands.length; i += 2) {
            map.put((String) namesAndCommands[i], (Class<?>) namesAndCommands[i + 1]);
        }
        return Collections.unmodifiableMap(map);
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String version = Main.class.getPackage().getImplementationVersion();
            return new String[] {"metis " + (version == null ? "dev" : version)};
        }
    }
}
