package dev.metis.tftp;

import dev.metis.boot.BootFiles;
import dev.metis.files.SafePath;
import dev.metis.identity.Artifact;
import dev.metis.inventory.Inventory;
import dev.metis.inventory.ResolvedNode;
import dev.metis.secrets.SecretUnavailableException;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Raspberry Pi 4/5 network boot over TFTP: a Pi asks for {@code <serial>/start4.elf},
 * {@code <serial>/config.txt}, {@code <serial>/cmdline.txt} and its kernel. Files come from the node's
 * {@code netboot.firmware_dir}; {@code cmdline.txt} is the node's boot file, from {@link BootFiles} as an
 * iPXE script is. A provisioned Pi is refused everything, so that it moves on to the next entry of its boot
 * order. Any other path is looked up in the TFTP root.
 */
public final class PiFiles implements TftpService.Files {

    private final Supplier<Inventory> inventory;
    private final BootFiles bootFiles;
    private final TftpService.Files root;
    private final FileCache cache;

    public PiFiles(Supplier<Inventory> inventory, BootFiles bootFiles, TftpService.Files root, FileCache cache) {
        this.inventory = inventory;
        this.bootFiles = bootFiles;
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
        Inventory current = inventory.get();
        Optional<ResolvedNode> pi = segments.filter(s -> s.size() >= 2).flatMap(s -> current.nodeBySerial(s.get(0)));
        if (pi.isEmpty()) {
            return root.lookup(path, client);
        }
        ResolvedNode node = pi.get();
        Optional<String> bootsLocally = bootFiles.piBootsLocally(node);
        if (bootsLocally.isPresent()) {
            return new TftpService.Denied(bootsLocally.get());
        }
        if (isCmdline(segments.get())) {
            return cmdline(node, client);
        }
        if (node.spec().netboot() == null || node.spec().netboot().firmwareDir() == null) {
            return new TftpService.NotFound();
        }
        String rest = String.join("/", segments.get().subList(1, segments.get().size()));
        Path firmware = current.resolve(node.spec().netboot().firmwareDir());
        Optional<SafePath.Resolved> file = SafePath.resolve(firmware, rest);
        return file.isEmpty() ? new TftpService.NotFound()
                : new TftpService.Found(cache.open(file.get()), file.get().path().toString());
    }

    private TftpService.Lookup cmdline(ResolvedNode node, InetAddress client) {
        BootFiles.Answer answer;
        try {
            answer = bootFiles.piCmdline(node, client);
        } catch (SecretUnavailableException e) {
            return new TftpService.Denied("secrets unavailable for " + node.name());
        }
        if (answer instanceof BootFiles.Served served) {
            return new TftpService.Found(TftpSource.of(served.bytes()), "cmdline.txt of " + node.name());
        }
        return new TftpService.Denied(answer instanceof BootFiles.Refused refused ? refused.reason()
                : ((BootFiles.LocalDisk) answer).reason());
    }
}
