package dev.metis.cli;

import dev.metis.secrets.LeakGuard;
import java.util.List;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point: {@code java -jar metis.jar COMMAND}. Exit codes: 0 ok, 1 invalid input or failure, 2 usage. */
@Command(name = "metis", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Provisioning server for small clusters: one inventory, netboot and SD cards.")
public final class Main {

    public static final int INVALID_INPUT = 1;

    /** The commands in the order the usage lists them, each named by its {@code @Command}. */
    private static final List<Class<?>> COMMANDS = List.of(ServeCommand.class, InventoryCommand.class,
            ConfigCommand.class, RenderCommand.class, NodesCommand.class, ReprovisionCommand.class, PlanCommand.class,
            ImageCommand.class, BurnCommand.class, CommandLine.HelpCommand.class);

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
        commandsFor(first).forEach(cli::addSubcommand);
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

    private static List<Class<?>> commandsFor(String first) {
        if (!"help".equals(first)) {
            for (Class<?> command : COMMANDS) {
                if (command.getAnnotation(Command.class).name().equals(first)) {
                    return List.of(command);
                }
            }
        }
        return COMMANDS;
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String version = Main.class.getPackage().getImplementationVersion();
            return new String[] {"metis " + (version == null ? "dev" : version)};
        }
    }
}
