package dev.metis.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * The state directory of a command not given {@code --state-dir}. One rule for {@code serve} and the
 * one-shot commands, so that a user's server and that user's cards share the burn history and the site
 * key (the cards' phone-home keys come from it); a user who is not root gets a directory they can write.
 */
final class StateDirectory {

    static final String ENV = "METIS_STATE_DIR";
    static final String SYSTEM = "/var/lib/metis";
    /** For the options' help. */
    static final String DEFAULT = "$" + ENV + ", else " + SYSTEM + " as root, else $XDG_STATE_HOME/metis "
            + "or ~/.local/state/metis";

    private StateDirectory() {
    }

    /** {@code given}, else the default for the user running the command and the environment it was started with. */
    static Path resolve(Path given, Map<String, String> environment) {
        return given != null ? given : defaultFor(environment, runsAsRoot());
    }

    static Path defaultFor(Map<String, String> environment, boolean root) {
        String configured = environment.get(ENV);
        if (configured != null && !configured.isBlank()) {
            return Path.of(configured);
        }
        if (root) {
            return Path.of(SYSTEM);
        }
        // The XDG base directory spec: a relative path in the variable is invalid and is to be ignored.
        String xdg = environment.get("XDG_STATE_HOME");
        if (xdg != null && Path.of(xdg).isAbsolute()) {
            return Path.of(xdg, "metis");
        }
        String home = environment.getOrDefault("HOME", System.getProperty("user.home"));
        return Path.of(home, ".local", "state", "metis");
    }

    private static boolean runsAsRoot() {
        try {
            return Integer.valueOf(0).equals(Files.getAttribute(Path.of("/proc/self"), "unix:uid"));
        } catch (IOException | UnsupportedOperationException noProc) {
            return "root".equals(System.getProperty("user.name"));
        }
    }
}
