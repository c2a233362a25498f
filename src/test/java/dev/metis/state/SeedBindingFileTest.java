package dev.metis.state;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SeedBindingFileTest {

    @TempDir
    Path dir;

    @Test
    void bindingsRoundTripInAFileOnlyItsOwnerCanRead() throws Exception {
        SeedBindingFile file = new SeedBindingFile(dir);
        assertThat(file.load()).isEmpty();
        List<SeedBinding> bindings = List.of(
                SeedBinding.none("02:00:00:00:00:01").withToken("tok", Instant.parse("2026-03-01T10:00:00Z"), "10.0.0.5"),
                SeedBinding.none("02:00:00:00:00:02").withDhcp("10.0.0.6", Instant.parse("2026-03-01T10:01:00Z")).spend());
        file.save(bindings);
        assertThat(new SeedBindingFile(dir).load()).isEqualTo(bindings);
        Path written = dir.resolve(SeedBindingFile.FILE);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(written))).isEqualTo("rw-------");
        assertThat(Files.readString(written)).doesNotContain("null");
        assertThat(dir.resolve(SeedBindingFile.FILE + ".tmp")).doesNotExist();
    }

    @Test
    void anUnreadableFileStartsWithNoBindings() throws Exception {
        Files.writeString(dir.resolve(SeedBindingFile.FILE), "[{\"mac\": ");
        assertThat(new SeedBindingFile(dir).load()).isEmpty();
    }
}
