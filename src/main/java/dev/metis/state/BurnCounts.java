package dev.metis.state;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How many burns and images the history in a state directory records, by kind and result. The burner is
 * a separate process, so the server reads the file it appends to: each call parses only the complete lines
 * added since the last one, and starts over when the file was replaced or shortened.
 */
public final class BurnCounts {

    private static final Logger LOG = LoggerFactory.getLogger(BurnCounts.class);

    private final Path file;
    private final Map<String, Long> counts = new HashMap<>();
    private Object fileKey;
    private long offset;

    public BurnCounts(Path stateDir) {
        this.file = stateDir.resolve(BurnHistory.FILE);
    }

    /** @return the runs recorded with this kind ({@code burn}, {@code image}) and result ({@code ok}, {@code failed}) */
    public synchronized long count(String kind, String result) {
        refresh();
        return counts.getOrDefault(kind + ' ' + result, 0L);
    }

    private void refresh() {
        try {
            BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class);
            if (!Objects.equals(attributes.fileKey(), fileKey) || attributes.size() < offset) {
                counts.clear();
                offset = 0;
                fileKey = attributes.fileKey();
            }
            if (attributes.size() > offset) {
                readFrom(attributes.size());
            }
        } catch (NoSuchFileException e) {
            counts.clear();
            offset = 0;
            fileKey = null;
        } catch (IOException e) {
            LOG.debug("cannot read the burn history {}: {}", file, e.toString());
        }
    }

    private void readFrom(long size) throws IOException {
        ByteBuffer added = ByteBuffer.allocate(Math.toIntExact(size - offset));
        try (FileChannel in = FileChannel.open(file, StandardOpenOption.READ)) {
            while (added.hasRemaining() && in.read(added, offset + added.position()) > 0) {
                // read until the size seen, or the end if the file shrank meanwhile
            }
        }
        byte[] bytes = added.array();
        int end = added.position() - 1;
        while (end >= 0 && bytes[end] != '\n') {
            end--;
        }
        if (end < 0) {
            return; // a line still being written: counted once it is complete
        }
        for (String line : new String(bytes, 0, end, StandardCharsets.UTF_8).split("\n")) {
            try {
                BurnHistory.Burn burn = StateJson.MAPPER.readValue(line, BurnHistory.Burn.class);
                counts.merge(burn.kind() + ' ' + burn.result(), 1L, Long::sum);
            } catch (IOException e) {
                // a line a crash left torn: the rest of the history still counts
            }
        }
        offset += end + 1;
    }
}
