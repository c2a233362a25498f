package dev.metis.files;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a killed run left is deleted by the next run of its kind; what a live run or another kind has is kept. */
class RunFilesTest {

    @TempDir
    Path dir;

    @Test
    void aKilledRunsFileIsDeletedAndALiveRunsKept() throws Exception {
        Process exited = new ProcessBuilder("true").start();
        assertThat(exited.waitFor()).isZero();
        Path killed = Files.createFile(dir.resolve(".metis-head-" + exited.pid() + "-1.img"));
        Path live = Files.createFile(dir.resolve(".metis-head-" + ProcessHandle.current().pid() + "-2.img"));
        Path otherKind = Files.createFile(dir.resolve(".metis-head-" + exited.pid() + "-3.part"));
        Path notOurs = Files.createFile(dir.resolve(".metis-head-x" + exited.pid() + "-4.img"));

        Path made = RunFiles.create(dir, ".metis-head-", ".img");

        assertThat(made.getFileName().toString()).startsWith(".metis-head-" + ProcessHandle.current().pid() + "-").endsWith(".img");
        assertThat(made).exists().isEmptyFile();
        assertThat(killed).doesNotExist();
        assertThat(live).exists();
        assertThat(otherKind).exists();
        assertThat(notOurs).exists();
    }
}
