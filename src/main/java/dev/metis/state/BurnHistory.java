package dev.metis.state;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Cards and images made by {@code metis burn} and {@code metis image}, one JSON line each in
 * {@value #FILE} of the state directory. Kept apart from the node journal so a burn on the flash host
 * never contends with a running server's lock.
 */
public final class BurnHistory {

    public static final String FILE = "burns.jsonl";
    /** A card written by {@code metis burn}. */
    public static final String BURN = "burn";
    /** An image file written by {@code metis image}. */
    public static final String IMAGE = "image";
    public static final String OK = "ok";
    public static final String FAILED = "failed";

    /**
     * @param kind {@code burn} or {@code image}
     * @param result {@code ok} or {@code failed}
     * @param instanceId the cloud-init instance-id of the seed on the card, when the write got that far
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Burn(Instant at, String node, String kind, String target, String image, String imageSha256,
            String result, String error, long bytes, double seconds, String instanceId) {
    }

    private final Path file;

    public BurnHistory(Path stateDir) {
        this.file = stateDir.resolve(FILE);
    }

    public void append(Burn burn) throws IOException {
        Files.createDirectories(file.getParent());
        byte[] line = (StateJson.MAPPER.writeValueAsString(burn) + "\n").getBytes(StandardCharsets.UTF_8);
        try (FileChannel out = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.APPEND); FileLock ignored = out.lock()) {
            out.write(java.nio.ByteBuffer.wrap(line));
            out.force(false);
        }
    }

    /** The most recent {@code limit} burns, newest last; lines a crash left torn are skipped. */
    public List<Burn> recent(int limit) throws IOException {
        if (!Files.exists(file)) {
            return List.of();
        }
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        List<Burn> burns = new ArrayList<>();
        for (String line : lines.subList(Math.max(0, lines.size() - limit), lines.size())) {
            try {
                burns.add(StateJson.MAPPER.readValue(line, Burn.class));
            } catch (IOException e) {
                // A torn last line from a crash mid-append: the rest of the history is still good.
            }
        }
        return burns;
    }
}
