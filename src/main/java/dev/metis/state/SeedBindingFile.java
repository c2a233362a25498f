package dev.metis.state;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The seed bindings in {@value #FILE} of the state directory, so that a node in the middle of its
 * installation still gets its user-data when Metis restarts. Rewritten whole at each change; the file
 * is small (one entry per MAC that booted) and changes a few times per boot.
 */
public final class SeedBindingFile {

    public static final String FILE = "seed-tokens.json";
    private static final Logger LOG = LoggerFactory.getLogger(SeedBindingFile.class);

    private final Path file;

    public SeedBindingFile(Path stateDir) {
        this.file = stateDir.resolve(FILE);
    }

    /**
     * The bindings last saved; none when the file is missing or unreadable. Losing them only refuses:
     * a node mid-installation then needs another boot, nothing is served that should not be.
     */
    public List<SeedBinding> load() {
        if (!Files.exists(file)) {
            return List.of();
        }
        try {
            return StateJson.MAPPER.readValue(file.toFile(), new TypeReference<List<SeedBinding>>() { });
        } catch (JsonProcessingException e) {
            // Where, not what: the parser's message may quote the file, and the file holds tokens.
            LOG.warn("{}: unreadable at line {}, column {}; starting without seed bindings", file,
                    e.getLocation() == null ? "?" : e.getLocation().getLineNr(),
                    e.getLocation() == null ? "?" : e.getLocation().getColumnNr());
        } catch (IOException e) {
            LOG.warn("{}: cannot read ({}); starting without seed bindings", file, e.toString());
        }
        return List.of();
    }

    public void save(Collection<SeedBinding> bindings) {
        try {
            AtomicFile.replace(file, StateJson.MAPPER.writeValueAsBytes(bindings));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write seed bindings to " + file, e);
        }
    }
}
