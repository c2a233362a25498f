package dev.metis.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

/** The README's synopsis of a command names every option the command takes, so the two cannot drift. */
class SynopsisDocsTest {

    /** A synopsis is a code span that starts with the command's name. */
    private static Pattern synopsis(String command) {
        return Pattern.compile("`metis " + command + " ([^`]*)`");
    }

    @ParameterizedTest
    @ValueSource(strings = {"serve", "reprovision"})
    void theReadmeSynopsisNamesEveryOption(String command) throws Exception {
        String readme = Files.readString(Path.of("README.md"));
        Matcher found = synopsis(command).matcher(readme);
        String longest = "";
        while (found.find()) {
            longest = found.group(1).length() > longest.length() ? found.group(1) : longest;
        }
        CommandLine cli = Main.commandLine(Map.of(), command);
        for (OptionSpec option : cli.getSubcommands().get(command).getCommandSpec().options()) {
            if (option.usageHelp() || option.versionHelp()) {
                continue;
            }
            assertThat(longest).as("README's synopsis of metis " + command).contains(option.longestName());
        }
    }
}
