package dev.metis.inventory;

import java.nio.file.Path;

/** A place in an input file, 1-based, as editors and compilers print it. */
public record SourcePos(Path file, int line, int column) {

    @Override
    public String toString() {
        return file + ":" + line + ":" + column;
    }
}
