package dev.metis.cli;

import dev.metis.card.image.CardException;
import dev.metis.inventory.InvalidInputException;
import dev.metis.inventory.Problem;
import dev.metis.secrets.LeakGuard;
import dev.metis.secrets.SecretUnavailableException;
import java.io.IOException;
import picocli.CommandLine.Model.CommandSpec;

/** Prints input problems one per line as {@code file:line:column: message}, the form editors jump to. */
final class Problems {

    private Problems() {
    }

    /** A command body that may meet bad input, unavailable secrets or a card that cannot be made. */
    interface Action {
        int run() throws InvalidInputException, SecretUnavailableException, CardException, IOException;
    }

    /** Runs the action, turning bad input, unavailable secrets and card failures into messages and exit code 1. */
    static int reporting(CommandSpec spec, Action action) throws IOException {
        try {
            return action.run();
        } catch (InvalidInputException e) {
            return print(spec, e);
        } catch (SecretUnavailableException | CardException e) {
            spec.commandLine().getErr().println("metis: " + LeakGuard.mask(e.getMessage()));
            return Main.INVALID_INPUT;
        }
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
