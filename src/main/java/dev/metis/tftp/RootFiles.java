package dev.metis.tftp;

import dev.metis.files.SafePath;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Path;
import java.util.Optional;

/** Files under the TFTP root: leading and doubled slashes tolerated, no way out of the root. */
public final class RootFiles implements TftpService.Files {

    private final Path root;
    private final FileCache cache;

    public RootFiles(Path root, FileCache cache) {
        this.root = root;
        this.cache = cache;
    }

    @Override
    public TftpService.Lookup lookup(String path, InetAddress client) throws IOException {
        Optional<SafePath.Resolved> file = SafePath.resolve(root, path);
        if (file.isEmpty()) {
            return new TftpService.NotFound();
        }
        return new TftpService.Found(cache.open(file.get()), file.get().path().toString());
    }
}
