package dev.metis.card;

import dev.metis.card.device.CardTarget;
import dev.metis.card.device.CardWriter;
import dev.metis.card.disk.BootPartition;
import dev.metis.card.disk.FileReads;
import dev.metis.card.disk.PartitionTable;
import dev.metis.card.disk.SeedPlace;
import dev.metis.card.image.BackgroundWork;
import dev.metis.card.image.CardException;
import dev.metis.card.image.ChunkBuffers;
import dev.metis.card.image.Compression;
import dev.metis.card.image.GoldenImages;
import dev.metis.card.image.ImageCheck;
import dev.metis.card.image.ImageStream;
import dev.metis.card.image.Progress;
import dev.metis.files.RunFiles;
import dev.metis.identity.IdentitySource;
import dev.metis.identity.NodeIdentity;
import dev.metis.inventory.Inventory;
import dev.metis.inventory.ResolvedNode;
import dev.metis.secrets.SecretUnavailableException;
import java.io.BufferedInputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;

/**
 * Makes cards and card images for nodes: finds the golden image, renders the node's identity with the
 * same renderer the HTTP server uses, lays the seed into the image's FAT boot partition (or a seed partition
 * of its own: {@link SeedPlace}) and writes the result. Everything that can be checked is checked before the
 * target is touched.
 */
public final class CardMaker {

    private final Inventory inventory;
    private final IdentitySource identities;
    private final GoldenImages images;
    private final Path workDir;
    private final Progress progress;

    /**
     * @param identities renders each node's seed; its phone-home keys must be the server's own, so that its
     *                   cards can phone home
     * @param workDir    where the decompressed head of an image is spilled while its seed is injected
     */
    public CardMaker(Inventory inventory, IdentitySource identities, GoldenImages images, Path workDir,
            Progress progress) {
        this.inventory = inventory;
        this.identities = identities;
        this.images = images;
        this.workDir = workDir;
        this.progress = progress;
    }

    /** What a finished write did. */
    public record Result(GoldenImages.Source source, String instanceId, BootPartition.Injection injection,
            CardWriter.Written written, double verifySeconds) {
    }

    /** Asks before a device is overwritten. */
    public interface Confirmation {
        boolean confirm(CardTarget target, long imageBytes);
    }

    /**
     * Everything {@code metis plan} shows; nothing was written to make it.
     *
     * @param boot    the partition the seed goes into: the image's boot partition, or a new seed partition
     * @param checked how the image's bytes were found to be what a write accepts; null when not at hand
     */
    public record Plan(GoldenImages.Source source, Compression compression, OptionalLong imageBytes,
            PartitionTable table, PartitionTable.Partition boot, BootPartition.Injection injection, CardSeed seed,
            CardTarget target, Checked checked) {
    }

    /**
     * What plan checked of the image, as a write would: the file against its hash, by chunks against the
     * cache's manifest or whole; and a compressed image decompressed to its end now, or on record from an
     * earlier whole pass (as is always so after a successful {@code image} or {@code burn}).
     */
    public record Checked(boolean byChunks, boolean decompressedNow) {
    }

    public GoldenImages.Source source(ResolvedNode node) throws CardException {
        return images.source(node, inventory);
    }

    /**
     * What stops a node's seed from being laid into the image file, read from its (decompressed) head alone, as
     * {@code inventory check} asks before anything is written; empty when it has a place for one.
     */
    public static Optional<String> seedPlaceProblem(Path image) {
        try {
            Compression compression = Compression.of(image);
            long size = compression.knownSize(image).orElse(-1);
            byte[] head;
            try (InputStream in = compression.decompress(new BufferedInputStream(Files.newInputStream(image)))) {
                head = in.readNBytes(PartitionTable.HEAD_BYTES);
            }
            SeedPlace.of(PartitionTable.parse(head, size), head, size);
            return Optional.empty();
        } catch (CardException e) {
            return Optional.of(e.getMessage());
        } catch (IOException e) {
            return Optional.of("cannot read its first MiB: " + e.getMessage());
        }
    }

    /** Reads the image (when at hand) and the target and injects into memory only. */
    public Plan plan(ResolvedNode node, Path target) throws CardException {
        GoldenImages.Source source = images.source(node, inventory);
        CardTarget inspected = target == null ? null : CardTarget.inspect(target);
        CardSeed seed = seed(node, source);
        if (!source.atHand()) {
            return new Plan(source, null, OptionalLong.empty(), null, null, null, seed, inspected, null);
        }
        // Plan promises only what the write will accept: it checks what the write would check of the image.
        try (ImageCheck check = images.check(source);
                Prepared prepared = prepare(source, CompletableFuture.completedFuture(seed), check, false)) {
            boolean byChunks = check.byChunks();
            boolean decompressedNow = prepared.stream.checkWithoutWriting(progress);
            OptionalLong bytes = decompressedNow ? OptionalLong.of(prepared.stream.position()) : prepared.stream.size();
            return new Plan(source, prepared.stream.compression(), bytes, prepared.table, prepared.place.partition(),
                    prepared.injection(), seed, inspected, new Checked(byChunks, decompressedNow));
        }
    }

    /**
     * Writes a fully injected image file: a temporary file beside it, verified, then renamed into place. The
     * seed is rendered while the image starts streaming: a failure leaves only the temporary file.
     */
    public Result image(ResolvedNode node, Path output) throws CardException {
        GoldenImages.Source source = images.source(node, inventory);
        images.fetch(source, progress);
        Future<CardSeed> seed = BackgroundWork.start("card-seed", () -> seed(node, source));
        Path dir = output.toAbsolutePath().getParent();
        if (Files.isDirectory(output) || (Files.exists(output) && !Files.isRegularFile(output))) {
            throw new CardException("output " + output + " exists and is not a regular file (use metis burn for devices)");
        }
        Path partial;
        try {
            partial = RunFiles.create(dir, "." + output.getFileName() + ".", ".partial");
        } catch (IOException e) {
            throw new CardException("cannot create a file in " + dir + ": " + e.getMessage(), e);
        }
        try (Prepared prepared = prepare(source, seed, images.check(source), true)) {
            // The image's hash is checked while it streams: a bad image leaves only the temporary file, deleted below.
            Result result = write(prepared, partial, -1, true);
            moveIntoPlace(partial, output);
            return result;
        } catch (CardException e) {
            throw seedFailure(seed).orElseGet(() -> wrongImageFirst(source, e));
        } finally {
            try {
                Files.deleteIfExists(partial);
            } catch (IOException ignored) {
                // Only a failed run leaves it, and its name marks it as partial.
            }
        }
    }

    /** Writes a card: checks the image and the target first, asks unless confirmed, then writes and verifies. */
    public Result burn(ResolvedNode node, Path device, Confirmation confirmation) throws CardException {
        GoldenImages.Source source = images.source(node, inventory);
        CardTarget target = CardTarget.inspect(device);
        target.checkWritable(0);
        images.fetch(source, progress);
        CardSeed seed = seed(node, source);
        long imageBytes = checkedSize(source);
        target.checkWritable(imageBytes);
        if (!confirmation.confirm(target, imageBytes)) {
            throw new CardException("not confirmed: nothing written to " + device);
        }
        // Checked again as it streams: cheap by now (the first check left a chunk manifest), and the file
        // could change in between.
        try (Prepared prepared = prepare(source, CompletableFuture.completedFuture(seed), images.check(source), true)) {
            // A raw image's seed goes into memory in moments: waiting for it means a partition that refuses it
            // leaves the card as it was, rather than with the bulk of the image written.
            prepared.injection();
            Result result = write(prepared, target.path(), target.capacity(), !target.blockDevice());
            if (target.blockDevice()) {
                rereadPartitionTable(target.path());
            }
            return result;
        }
    }

    /** What stopped the seed from being rendered, if it has been tried and failed. */
    private static Optional<CardException> seedFailure(Future<CardSeed> seed) {
        if (seed.isDone()) {
            try {
                BackgroundWork.result(seed);
            } catch (CardException e) {
                return Optional.of(e);
            }
        }
        return Optional.empty();
    }

    /**
     * An image that fails before its stream was hashed to the end may simply be the wrong file: say so
     * rather than what the wrong bytes happened to break.
     */
    private CardException wrongImageFirst(GoldenImages.Source source, CardException failure) {
        try (ImageCheck check = images.wholeFileCheck(source)) {
            check.readAll(null);
            check.finish();
            return failure;
        } catch (CardException wrongHash) {
            return wrongHash;
        }
    }

    /**
     * The image's decompressed size, with what a write checks of its bytes checked first: its hash and, for a
     * compressed image, its whole stream (decompressed now unless a whole pass is on record; gzip does not
     * record sizes above 4 GiB anyway). A device is only written from an image known to be good and to fit.
     */
    private long checkedSize(GoldenImages.Source source) throws CardException {
        try (ImageStream stream = ImageStream.open(source, images.check(source))) {
            boolean decompressedNow = stream.checkWithoutWriting(progress);
            return decompressedNow ? stream.position() : stream.size().orElseThrow();
        } catch (IOException e) {
            throw new CardException("cannot read golden image " + source.file() + ": " + e.getMessage(), e);
        }
    }

    private Result write(Prepared prepared, Path target, long limit, boolean file) throws CardException {
        Progress.Step writing = progress.start("write", prepared.stream.size().orElse(-1));
        CardWriter.Written written = CardWriter.write(prepared.stream, prepared.prefix, prepared.changes,
                prepared.midStream, target, limit, file, writing);
        writing.finish();
        Progress.Step verifying = progress.start("verify", written.bytes());
        double verifySeconds = CardWriter.verify(target, written, verifying);
        verifying.finish();
        return new Result(prepared.source, BackgroundWork.result(prepared.seed).instanceId(), prepared.injection(),
                written, verifySeconds);
    }

    private CardSeed seed(ResolvedNode node, GoldenImages.Source source) throws CardException {
        NodeIdentity identity;
        try {
            identity = identities.identity(node);
        } catch (SecretUnavailableException e) {
            throw new CardException(e.getMessage(), e);
        }
        Path overlay = node.spec().bootOverlay() == null ? null : inventory.resolve(node.spec().bootOverlay());
        return CardSeed.of(node, identity, overlay, source.description(), source.sha256());
    }

    /**
     * An image opened for writing, with its seed being laid into memory over its place: on a thread of its own
     * for an uncompressed image, while the writer streams the compressed one.
     */
    private static final class Prepared implements Closeable {
        final GoldenImages.Source source;
        final ImageStream stream;
        final Future<CardSeed> seed;
        PartitionTable table;
        SeedPlace place;
        private BootPartition.Injection injection;
        CardWriter.Prefix prefix = CardWriter.Prefix.NONE;
        CardWriter.Changes changes;
        CardWriter.MidStreamInjection midStream;
        Path spill;

        Prepared(GoldenImages.Source source, ImageStream stream, Future<CardSeed> seed) {
            this.source = source;
            this.stream = stream;
            this.seed = seed;
        }

        NavigableMap<Long, byte[]> inject(FileChannel base) throws CardException {
            CardSeed rendered = BackgroundWork.result(seed);
            try {
                SeedPlace.Injected injected = place.inject(base, rendered.files(), rendered.instanceId(),
                        rendered.cmdlineArgument());
                injection = injected.injection();
                return injected.changes();
            } catch (CardException e) {
                throw new CardException("golden image " + source.file() + ", " + place.description() + ": "
                        + e.getMessage(), e);
            }
        }

        /** What the injection did, once it is done. */
        BootPartition.Injection injection() throws CardException {
            if (changes != null) {
                BackgroundWork.result(changes.sectors());
            }
            return injection;
        }

        @Override
        public void close() {
            try (stream) {
                if (prefix.file() != null) {
                    prefix.file().close();
                }
                if (spill != null) {
                    Files.deleteIfExists(spill);
                }
            } catch (IOException ignored) {
                // Closing read-only files and removing a scratch file: nothing a user could act on.
            }
        }
    }

    /**
     * Reads the partition table and finds the seed's place: an uncompressed image in place, a compressed one
     * by spilling its decompressed head (up to the end of the boot partition) to a scratch file, either
     * now (plan) or, {@code duringWrite}, while the writer streams it. A seed partition's GPT changes reach
     * the backup table at the image's end: the writer lays them over the stream there too.
     */
    private Prepared prepare(GoldenImages.Source source, Future<CardSeed> seed, ImageCheck check, boolean duringWrite)
            throws CardException {
        Prepared prepared = new Prepared(source, ImageStream.open(source, check), seed);
        try {
            ImageStream stream = prepared.stream;
            FileChannel base;
            byte[] head;
            if (stream.compression() == Compression.NONE) {
                base = stream.file();
                head = readHead(base);
            } else {
                head = new byte[PartitionTable.HEAD_BYTES];
                head = Arrays.copyOf(head, stream.read(head, 0, head.length));
                prepared.spill = RunFiles.create(workDir(), ".metis-head-", ".img");
                base = FileChannel.open(prepared.spill, StandardOpenOption.READ, StandardOpenOption.WRITE);
                prepared.prefix = new CardWriter.Prefix(base, 0);
                writeFully(base, head, 0, head.length, 0);
            }
            long size = stream.size().orElse(-1);
            try {
                prepared.table = PartitionTable.parse(head, size);
                prepared.place = SeedPlace.of(prepared.table, head, size);
            } catch (CardException e) {
                throw new CardException("golden image " + source.file() + ": " + e.getMessage(), e);
            }
            stream.mustReach(Math.max(prepared.table.end(), prepared.place.changesEnd()));
            if (prepared.spill != null && duringWrite) {
                prepared.prefix = new CardWriter.Prefix(base, head.length);
                prepared.midStream = new SpilledHead(prepared, base);
                return prepared;
            }
            if (prepared.spill != null) {
                prepared.prefix = new CardWriter.Prefix(base, spillUntil(stream, base, head.length, prepared.place.headEnd()));
            }
            FileChannel original = base;
            prepared.changes = new CardWriter.Changes(prepared.place.changesEnd(), BackgroundWork.start("card-inject",
                    () -> prepared.inject(original)));
            return prepared;
        } catch (IOException e) {
            prepared.close();
            throw new CardException("cannot read golden image " + source.file() + ": " + e.getMessage(), e);
        } catch (CardException | RuntimeException e) {
            prepared.close();
            throw e;
        }
    }



    /** The head of a compressed image, kept in the spill file as the writer streams it. */
    private record SpilledHead(Prepared prepared, FileChannel spill) implements CardWriter.MidStreamInjection {
        @Override
        public long end() {
            return prepared.place.headEnd();
        }

        @Override
        public void spill(ByteBuffer data, long offset) throws CardException {
            try {
                while (data.hasRemaining()) {
                    spill.write(data, offset + data.position());
                }
            } catch (IOException e) {
                throw new CardException("cannot keep the image head in " + prepared.spill + ": " + e.getMessage(), e);
            }
        }

        @Override
        public void readSpill(long offset, ByteBuffer into) throws CardException {
            try {
                if (!FileReads.readFully(spill, into, offset)) {
                    throw new CardException("the kept image head ends early");
                }
            } catch (IOException e) {
                throw new CardException("cannot read the image head back from " + prepared.spill + ": " + e.getMessage(), e);
            }
        }

        @Override
        public NavigableMap<Long, byte[]> inject() throws CardException {
            return prepared.inject(spill);
        }
    }

    private Path workDir() throws IOException {
        return Files.createDirectories(workDir);
    }

    private static byte[] readHead(FileChannel file) throws IOException {
        ByteBuffer head = ByteBuffer.allocate((int) Math.min(PartitionTable.HEAD_BYTES, file.size()));
        FileReads.readFully(file, head, 0);
        return Arrays.copyOf(head.array(), head.position());
    }

    /** Copies the stream into the spill file up to {@code end}. @return the bytes now spilled */
    private static long spillUntil(ImageStream stream, FileChannel spill, long spilled, long end) throws CardException, IOException {
        byte[] buffer = new byte[ChunkBuffers.CHUNK];
        while (spilled < end) {
            int n = stream.read(buffer, 0, (int) Math.min(buffer.length, end - spilled));
            if (n == 0) {
                throw new CardException("golden image ends at byte " + spilled + ", inside its boot partition");
            }
            writeFully(spill, buffer, 0, n, spilled);
            spilled += n;
        }
        return spilled;
    }

    private static void writeFully(FileChannel channel, byte[] bytes, int from, int length, long at) throws IOException {
        ByteBuffer buffer = ByteBuffer.wrap(bytes, from, length);
        while (buffer.hasRemaining()) {
            channel.write(buffer, at + buffer.position() - from);
        }
    }

    private static void moveIntoPlace(Path partial, Path output) throws CardException {
        try {
            RunFiles.moveIntoPlace(partial, output);
            try (FileChannel dir = FileChannel.open(output.toAbsolutePath().getParent(), StandardOpenOption.READ)) {
                dir.force(true);
            }
        } catch (IOException e) {
            throw new CardException("cannot move the finished image to " + output + ": " + e.getMessage(), e);
        }
    }

    /** Best effort, as Raspberry Pi Imager does: let the kernel see the new partitions without a replug. */
    private static void rereadPartitionTable(Path device) {
        try {
            new ProcessBuilder("blockdev", "--rereadpt", device.toString()).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor();
        } catch (IOException e) {
            // No blockdev (util-linux) here: the kernel rereads at the next plug-in.
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
