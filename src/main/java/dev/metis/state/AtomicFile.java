package dev.metis.state;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;

/** Replaces a state file whole, so that a crash leaves either the old or the new content, never half. */
final class AtomicFile {

    private AtomicFile() {
    }

    /** Written beside the target (mode 0600: state files name clients and may hold tokens), synced, renamed. */
    static void replace(Path target, byte[] content) throws IOException {
        Path temporary = written(target, content, ".tmp");
        try {
            Files.move(temporary, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(temporary, target, StandardCopyOption.REPLACE_EXISTING);
        }
        syncDirectory(target);
    }

    /**
     * Like {@link #replace}, but only when the target does not exist yet: of two processes creating it at
     * once, one wins and the other's content is dropped. Whether this call's content was kept.
     */
    static boolean createOnce(Path target, byte[] content) throws IOException {
        Path temporary = written(target, content, "." + ProcessHandle.current().pid() + ".new");
        try {
            Files.createLink(target, temporary);
            syncDirectory(target);
            return true;
        } catch (FileAlreadyExistsException e) {
            return false;
        } finally {
            Files.deleteIfExists(temporary);
        }
    }

    private static Path written(Path target, byte[] content, String suffix) throws IOException {
        Path temporary = target.resolveSibling(target.getFileName() + suffix);
        Files.deleteIfExists(temporary);
        Files.createFile(temporary, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        try (FileChannel out = FileChannel.open(temporary, StandardOpenOption.WRITE)) {
            ByteBuffer buffer = ByteBuffer.wrap(content);
            while (buffer.hasRemaining()) {
                out.write(buffer);
            }
            out.force(true);
        }
        return temporary;
    }

    private static void syncDirectory(Path target) throws IOException {
        try (FileChannel directory = FileChannel.open(target.getParent(), StandardOpenOption.READ)) {
            directory.force(true);
        }
    }
}
