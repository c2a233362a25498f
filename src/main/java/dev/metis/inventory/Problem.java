package dev.metis.inventory;

/** One thing wrong with an input file, at the place an editor should jump to. */
public record Problem(SourcePos pos, String message) implements Comparable<Problem> {

    @Override
    public String toString() {
        return pos + ": " + message;
    }

    @Override
    public int compareTo(Problem other) {
        int byFile = pos.file().toString().compareTo(other.pos.file().toString());
        if (byFile != 0) {
            return byFile;
        }
        int byLine = Integer.compare(pos.line(), other.pos.line());
        return byLine != 0 ? byLine : Integer.compare(pos.column(), other.pos.column());
    }
}
