package dev.metis.card.disk;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;

/** Positional reads that fill a buffer, as an image, a spilled head or a written target are read back. */
public final class FileReads {

    private FileReads() {
    }

    /** Positional reads until {@code into} is full. @return false when the file ends first */
    public static boolean readFully(FileChannel file, ByteBuffer into, long position) throws IOException {
        int start = into.position();
        while (into.hasRemaining()) {
            if (file.read(into, position + into.position() - start) < 0) {
                return false;
            }
        }
        return true;
    }
}
