package dev.metis.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

class StateDirectoryTest {

    @Test
    void metisStateDirWinsForEveryone() {
        Map<String, String> env = Map.of("METIS_STATE_DIR", "/srv/metis-state", "XDG_STATE_HOME", "/home/u/.state");
        assertThat(StateDirectory.defaultFor(env, true)).isEqualTo(Path.of("/srv/metis-state"));
        assertThat(StateDirectory.defaultFor(env, false)).isEqualTo(Path.of("/srv/metis-state"));
    }

    @Test
    void rootKeepsTheSystemDirectory() {
        assertThat(StateDirectory.defaultFor(Map.of("XDG_STATE_HOME", "/root/.state", "HOME", "/root"), true))
                .isEqualTo(Path.of("/var/lib/metis"));
    }

    @Test
    void anyOtherUserGetsADirectoryOfTheirOwn() {
        assertThat(StateDirectory.defaultFor(Map.of("XDG_STATE_HOME", "/home/u/.state", "HOME", "/home/u"), false))
                .isEqualTo(Path.of("/home/u/.state/metis"));
        assertThat(StateDirectory.defaultFor(Map.of("HOME", "/home/u"), false))
                .isEqualTo(Path.of("/home/u/.local/state/metis"));
        assertThat(StateDirectory.defaultFor(Map.of("XDG_STATE_HOME", "relative/state", "HOME", "/home/u"), false))
                .as("a relative XDG_STATE_HOME is invalid, and ignored").isEqualTo(Path.of("/home/u/.local/state/metis"));
    }
}
