package dev.metis.card.disk;

import dev.metis.card.image.CardException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * A card's FAT boot partition (or a new {@link SeedPartition}): what {@code metis plan} shows of it, and the
 * seed injection. Every injection is followed by a fresh read that checks each seed file and that every
 * earlier file is still there, so a card is never written from an edit that went wrong.
 */
public final class BootPartition {

    static final String CMDLINE = "cmdline.txt";

    /**
     * What was found and done, for plan output and the burn summary.
     *
     * @param cmdline      the edited kernel command line, or null when the image has no {@code cmdline.txt}
     * @param newPartition the partition Metis added for the seed, as {@link SeedPlace#description} names it, or
     *                     null when the seed went into the image's own boot partition
     */
    public record Injection(String fatType, String label, List<String> written, String cmdline, String newPartition) {
    }

    private BootPartition() {
    }

    /**
     * @param files        the seed's files, path inside the partition to content, in write order
     * @param seedArgument the kernel argument that makes cloud-init use the seed, for {@code cmdline.txt}; null
     *                     on a partition cloud-init finds by its label, where no {@code cmdline.txt} is edited
     * @param clock        the time the new directory entries get
     */
    static Injection inject(Overlay partition, Map<String, byte[]> files, String seedArgument, Clock clock)
            throws CardException {
        try {
            FatVolume fat = FatVolume.open(partition, clock);
            Map<String, Long> before = fat.files();
            for (Map.Entry<String, byte[]> file : files.entrySet()) {
                fat.write(file.getKey(), file.getValue());
            }
            byte[] cmdline = seedArgument == null ? null : fat.read(CMDLINE);
            String line = null;
            if (cmdline != null) {
                line = withSeedArgument(new String(cmdline, StandardCharsets.UTF_8), seedArgument);
                fat.write(CMDLINE, (line + "\n").getBytes(StandardCharsets.UTF_8));
            }
            fat.flush();
            String label = fat.label();
            check(FatVolume.open(partition), files, before, line);
            List<String> written = new ArrayList<>(files.keySet());
            if (line != null) {
                written.add(CMDLINE);
            }
            return new Injection(fat.type(), label, written, line, null);
        } catch (IOException e) {
            throw new CardException("the boot partition cannot be read or written: " + e.getMessage(), e);
        } catch (RuntimeException e) {
            // The file system's every field comes from the image: one that slipped past the checks is still damage.
            throw new CardException("the FAT file system is damaged: " + e, e);
        }
    }

    /**
     * The one line of {@code cmdline.txt} with the seed argument appended, replacing an earlier Metis or
     * Imager {@code ds=nocloud} argument, so a second injection leaves the line as the first one did.
     */
    static String withSeedArgument(String cmdline, String argument) {
        String line = cmdline.lines().findFirst().orElse("").strip();
        String kept = Arrays.stream(line.split("\\s+"))
                .filter(word -> !word.isEmpty() && !word.startsWith("ds=nocloud"))
                .collect(Collectors.joining(" "));
        return (kept.isEmpty() ? "" : kept + " ") + argument;
    }

    /** Re-reads the partition from scratch: every seed file as meant, every earlier file still there. */
    private static void check(FatVolume fat, Map<String, byte[]> files, Map<String, Long> before, String cmdline)
            throws CardException, IOException {
        Map<String, Long> after = fat.files();
        for (String earlier : before.keySet()) {
            if (!after.containsKey(earlier)) {
                throw new CardException("injecting the seed lost " + earlier + " from the boot partition");
            }
        }
        for (Map.Entry<String, byte[]> file : files.entrySet()) {
            if (!Arrays.equals(fat.read(file.getKey()), file.getValue())) {
                throw new CardException(file.getKey() + " reads back different from what was written");
            }
        }
        if (cmdline != null && !Arrays.equals(fat.read(CMDLINE), (cmdline + "\n").getBytes(StandardCharsets.UTF_8))) {
            throw new CardException(CMDLINE + " reads back different from what was written");
        }
    }
}
