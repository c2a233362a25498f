package dev.metis.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The site key: made once (0600), then always the same; a look without writing leaves none behind. */
class SiteKeyFileTest {

    @TempDir
    Path dir;

    @Test
    void theKeyIsMadeOnceAndThenReadBack() throws Exception {
        Path state = dir.resolve("state");
        byte[] first = SiteKeyFile.loadOrCreate(state);
        assertThat(first).hasSize(32);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(state.resolve(SiteKeyFile.FILE))))
                .isEqualTo("rw-------");
        assertThat(SiteKeyFile.loadOrCreate(state)).isEqualTo(first);
        assertThat(SiteKeyFile.loadOrStandIn(state)).isEqualTo(first);
        assertThat(state).isDirectoryNotContaining(p -> !p.getFileName().toString().equals(SiteKeyFile.FILE));
    }

    @Test
    void aStandInKeyIsNeverSaved() throws Exception {
        byte[] standIn = SiteKeyFile.loadOrStandIn(dir);
        assertThat(standIn).hasSize(32);
        assertThat(dir.resolve(SiteKeyFile.FILE)).doesNotExist();
        assertThat(SiteKeyFile.loadOrCreate(dir)).isNotEqualTo(standIn);
    }

    @Test
    void anExistingKeyIsNeverReplaced() throws Exception {
        Files.writeString(dir.resolve(SiteKeyFile.FILE), "A".repeat(44) + "\n");
        byte[] kept = SiteKeyFile.loadOrCreate(dir);
        assertThat(AtomicFile.createOnce(dir.resolve(SiteKeyFile.FILE), "other\n".getBytes())).isFalse();
        assertThat(SiteKeyFile.loadOrCreate(dir)).isEqualTo(kept);
        assertThat(Files.readString(dir.resolve(SiteKeyFile.FILE))).isEqualTo("A".repeat(44) + "\n");
    }

    @Test
    void aDamagedKeyIsAnErrorNamingTheFile() throws Exception {
        Files.writeString(dir.resolve(SiteKeyFile.FILE), "c2hvcnQ=\n");
        assertThatThrownBy(() -> SiteKeyFile.loadOrCreate(dir)).isInstanceOf(IOException.class)
                .hasMessageContaining(dir.resolve(SiteKeyFile.FILE) + ": the site key must have at least 32 bytes, found 5");
        Files.writeString(dir.resolve(SiteKeyFile.FILE), "not base64!\n");
        assertThatThrownBy(() -> SiteKeyFile.loadOrStandIn(dir)).hasMessageContaining("not a base64 site key");
    }
}
