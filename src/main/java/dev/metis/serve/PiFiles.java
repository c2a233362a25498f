package dev.metis.serve;

import dev.metis.boot.SeedBindings;
import dev.metis.files.SafePath;
import dev.metis.identity.Artifact;
import dev.metis.identity.NodeIdentity;
import dev.metis.inventory.ResolvedNode;
import dev.metis.secrets.SecretUnavailableException;
import dev.metis.state.NodeState;
import dev.metis.state.StateStore;
import dev.metis.tftp.FileCache;
import dev.metis.tftp.TftpService;
import dev.metis.tftp.TftpSource;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Raspberry Pi 4/5 network boot over TFTP: a Pi asks for {@code <serial>/start4.elf},
 * {@code <serial>/config.txt}, {@code <serial>/cmdline.txt} and its kernel. Files come from the node's
 * {@code netboot.firmware_dir}; {@code cmdline.txt} is the node's own, with its seed URL and a new seed
 * token, and goes only to the address bound to the Pi's MAC (see {@link SeedBindings}). A provisioned
 * Pi is refused so that it moves on to the next entry of its boot order. Any other path is looked up
 * in the TFTP root.
 */
final class PiFiles implements TftpService.Files {

    private final ServedInventory inventory;
    private final StateStore state;
    private final SeedBindings seeds;
    private final TftpService.Files root;
    private final FileCache cache;

    PiFiles(ServedInventory inventory, StateStore state, SeedBindings seeds, TftpService.Files root, FileCache cache) {
        this.inventory = inventory;
        this.state = state;
        this.seeds = seeds;
        this.root = root;
        this.cache = cache;
    }

    /** A Pi's {@code cmdline.txt} is rendered with its secrets, which may come from Vault. */
    @Override
    public boolean mayWait(String path) {
        return SafePath.segments(path).map(PiFiles::isCmdline).orElse(false);
    }

    /** {@code <serial>/cmdline.txt}: the one file of a Pi's that is rendered, not read from its firmware. */
    private static boolean isCmdline(List<String> segments) {
        return segments.size() == 2 && segments.get(1).equals(Artifact.PI_CMDLINE.fileName());
    }

    @Override
    public TftpService.Lookup lookup(String path, InetAddress client) throws IOException {
        Optional<List<String>> segments = SafePath.segments(path);
        if (segments.isEmpty() || segments.get().size() < 2) {
            return root.lookup(path, client);
        }
        String serial = segments.get().get(0).toLowerCase(Locale.ROOT);
        ServedInventory.Generation current = inventory.current();
        Optional<ResolvedNode> pi = current.inventory().nodes().stream()
                .filter(n -> n.spec().serial() != null && n.spec().serial().toLowerCase(Locale.ROOT).equals(serial))
                .findFirst();
        if (pi.isEmpty()) {
            return root.lookup(path, client);
        }
        ResolvedNode node = pi.get();
        if (state.status(node.name()).state() == NodeState.PROVISIONED) {
            return new TftpService.Denied("node " + node.name() + " is provisioned; it boots from its own storage");
        }
        if (isCmdline(segments.get())) {
            NodeIdentity identity;
            try {
                identity = current.identity(node);
            } catch (SecretUnavailableException e) {
                return new TftpService.Denied("secrets unavailable for " + node.name());
            }
            SeedBindings.Issued issued = seeds.issue(node, Artifact.PI_CMDLINE.fileName(), client);
            if (issued.token() == null) {
                return new TftpService.Denied(issued.explanation(node.name()));
            }
            state.scriptServed(node.name(), identity.configHash(), client.getHostAddress());
            return new TftpService.Found(TftpSource.of(current.bootFile(node, Artifact.PI_CMDLINE, issued.token())),
                    "cmdline.txt of " + node.name());
        }
        if (node.spec().netboot() == null || node.spec().netboot().firmwareDir() == null) {
            return new TftpService.NotFound();
        }
        String rest = String.join("/", segments.get().subList(1, segments.get().size()));
        Path firmware = current.inventory().resolve(node.spec().netboot().firmwareDir());
        Optional<SafePath.Resolved> file = SafePath.resolve(firmware, rest);
        return file.isEmpty() ? new TftpService.NotFound()
                : new TftpService.Found(cache.open(file.get()), file.get().path().toString());
    }
}
