package dev.metis.testing;

import dev.metis.cli.Main;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import picocli.CommandLine;

/** Runs the real command line in-process and captures what it prints. */
public final class Cli {

    public record Run(int exitCode, String out, String err) {
        /** Everything the user would see on the terminal. */
        public String all() {
            return out + err;
        }
    }

    private Cli() {
    }

    public static Run run(String... args) {
        return run(Map.of(), args);
    }

    /** @param environment the environment commands see (Vault's address and credentials), instead of the JVM's */
    public static synchronized Run run(Map<String, String> environment, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        ByteArrayOutputStream rawOut = new ByteArrayOutputStream();
        ByteArrayOutputStream rawErr = new ByteArrayOutputStream();
        PrintStream originalOut = System.out;
        PrintStream originalErr = System.err;
        System.setOut(new PrintStream(rawOut, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(rawErr, true, StandardCharsets.UTF_8));
        try {
            CommandLine cli = Main.commandLine(environment);
            cli.setOut(new PrintWriter(out, true));
            cli.setErr(new PrintWriter(err, true));
            int code = cli.execute(args);
            return new Run(code, rawOut.toString(StandardCharsets.UTF_8) + out,
                    rawErr.toString(StandardCharsets.UTF_8) + err);
        } finally {
            System.setOut(originalOut);
            System.setErr(originalErr);
        }
    }
}
