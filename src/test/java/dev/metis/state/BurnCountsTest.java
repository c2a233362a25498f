package dev.metis.state;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The server's view of a history another process appends to. */
class BurnCountsTest {

    @TempDir
    Path dir;

    private void record(String kind, String result) throws Exception {
        new BurnHistory(dir).append(new BurnHistory.Burn(Instant.parse("2026-01-01T00:00:00Z"), "pi4-01", kind,
                "/dev/sdb", "golden.img.xz", "ab12", result, null, 4096, 1.5, null));
    }

    @Test
    void countsByKindAndResultAndPicksUpLaterAppends() throws Exception {
        BurnCounts counts = new BurnCounts(dir);
        assertThat(counts.count(BurnHistory.BURN, BurnHistory.OK)).isZero();
        record(BurnHistory.BURN, BurnHistory.OK);
        record(BurnHistory.BURN, BurnHistory.FAILED);
        record(BurnHistory.IMAGE, BurnHistory.OK);
        assertThat(counts.count(BurnHistory.BURN, BurnHistory.OK)).isEqualTo(1);
        record(BurnHistory.BURN, BurnHistory.OK);
        assertThat(counts.count(BurnHistory.BURN, BurnHistory.OK)).isEqualTo(2);
        assertThat(counts.count(BurnHistory.BURN, BurnHistory.FAILED)).isEqualTo(1);
        assertThat(counts.count(BurnHistory.IMAGE, BurnHistory.OK)).isEqualTo(1);
        assertThat(counts.count(BurnHistory.IMAGE, BurnHistory.FAILED)).isZero();
    }

    @Test
    void aLineBeingWrittenCountsOnceCompleteAndATornLineNever() throws Exception {
        record(BurnHistory.BURN, BurnHistory.OK);
        Path file = dir.resolve(BurnHistory.FILE);
        String line = Files.readAllLines(file).get(0);
        BurnCounts counts = new BurnCounts(dir);
        Files.writeString(file, "{\"torn\n" + line.substring(0, 20), StandardOpenOption.APPEND);
        assertThat(counts.count(BurnHistory.BURN, BurnHistory.OK)).isEqualTo(1);
        Files.writeString(file, line.substring(20) + "\n", StandardOpenOption.APPEND);
        assertThat(counts.count(BurnHistory.BURN, BurnHistory.OK)).isEqualTo(2);
    }

    @Test
    void aReplacedOrRemovedHistoryIsCountedAfresh() throws Exception {
        record(BurnHistory.BURN, BurnHistory.OK);
        record(BurnHistory.BURN, BurnHistory.OK);
        BurnCounts counts = new BurnCounts(dir);
        assertThat(counts.count(BurnHistory.BURN, BurnHistory.OK)).isEqualTo(2);
        Path file = dir.resolve(BurnHistory.FILE);
        Path rotated = dir.resolve("rotated");
        Files.writeString(rotated, Files.readAllLines(file).get(0) + "\n" + Files.readAllLines(file).get(0) + "\n"
                + Files.readAllLines(file).get(0) + "\n");
        Files.move(rotated, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        assertThat(counts.count(BurnHistory.BURN, BurnHistory.OK)).isEqualTo(3);
        Files.delete(file);
        assertThat(counts.count(BurnHistory.BURN, BurnHistory.OK)).isZero();
    }
}
