package dev.metis.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point: {@code java -jar metis.jar COMMAND}. Exit codes: 0 ok, 1 invalid input or failure, 2 usage. */
@Command(name = "metis", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Provisioning server for small clusters: one inventory, netboot and SD cards.",
        subcommands = {ServeCommand.class, InventoryCommand.class, ConfigCommand.class, RenderCommand.class,
                ReprovisionCommand.class, PlanCommand.class, ImageCommand.class, BurnCommand.class,
                CommandLine.HelpCommand.class})
public final class Main {

    public static final int INVALID_INPUT = 1;

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    public static CommandLine commandLine() {
        CommandLine cli = new CommandLine(new Main());
        cli.setExecutionExceptionHandler((e, cmd, parsed) -> {
            // Exception messages in Metis never carry secrets (see Secret), so they are safe to print.
            cmd.getErr().println("metis: " + e.getMessage());
            return INVALID_INPUT;
        });
        return cli;
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String version = Main.class.getPackage().getImplementationVersion();
            return new String[] {"metis " + (version == null ? "dev" : version)};
        }
    }
}
