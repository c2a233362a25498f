package dev.metis.cli;

import dev.metis.inventory.InvalidInputException;
import dev.metis.inventory.Problem;
import picocli.CommandLine.Model.CommandSpec;

/** Prints input problems one per line as {@code file:line:column: message}, the form editors jump to. */
final class Problems {

    private Problems() {
    }

    static int print(CommandSpec spec, InvalidInputException e) {
        for (Problem problem : e.problems()) {
            spec.commandLine().getErr().println(problem);
        }
        int count = e.problems().size();
        spec.commandLine().getErr().println(count + (count == 1 ? " problem" : " problems"));
        return Main.INVALID_INPUT;
    }
}
