package dev.metis.files;

import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Temporary files of a run (an image being written, a download, a spilled image head), named after the
 * process that made them: a run killed before it could delete its own leaves them behind, and the next run
 * that makes one of the same kind deletes those whose process is gone. A live run's are left alone.
 */
public final class RunFiles {

    private RunFiles() {
    }

    /** A new empty file {@code <prefix><pid>-<random><suffix>} in {@code dir}, after deleting killed runs' ones. */
    public static Path create(Path dir, String prefix, String suffix) throws IOException {
        Pattern ours = Pattern.compile(Pattern.quote(prefix) + "(\\d{1,18})-\\d+" + Pattern.quote(suffix));
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir,
                file -> ours.matcher(file.getFileName().toString()).matches())) {
            for (Path file : files) {
                Matcher name = ours.matcher(file.getFileName().toString());
                if (name.matches() && ProcessHandle.of(Long.parseLong(name.group(1))).isEmpty()) {
                    Files.deleteIfExists(file);
                }
            }
        }
        return Files.createTempFile(dir, prefix + ProcessHandle.current().pid() + "-", suffix);
    }

    /** Puts a finished temporary file in the place of {@code target}: in one step where the file system can. */
    public static void moveIntoPlace(Path partial, Path target) throws IOException {
        try {
            Files.move(partial, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(partial, target, StandardCopyOption.REPLACE_EXISTING);
        }
    }
}
