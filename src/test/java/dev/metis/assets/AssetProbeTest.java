package dev.metis.assets;

import static org.assertj.core.api.Assertions.assertThat;

import dev.metis.files.Sha256;
import dev.metis.inventory.Inventory;
import dev.metis.inventory.InventoryLoader;
import dev.metis.testing.InventoryFixture;
import dev.metis.testing.Mirror;
import dev.metis.testing.TestClock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which files each node needs, and what looking at them finds, without the internet: the mirror is on loopback. */
class AssetProbeTest {

    private static final byte[] IMAGE = "a golden image".getBytes(StandardCharsets.UTF_8);
    private static final byte[] REMOTE_IMAGE = "a golden image on a mirror".getBytes(StandardCharsets.UTF_8);
    private static final String PLACEHOLDER = "0".repeat(64);
    private static final String OTHER_IMAGE = Sha256.hex("another image".getBytes(StandardCharsets.UTF_8));
    /** The hash the inventory gives the kernel it has Metis fetch. */
    private static final String KERNEL = Sha256.hex(new byte[] {2});

    @TempDir
    Path dir;
    private Mirror mirror;
    private AssetRoots roots;
    private final TestClock clock = new TestClock(Instant.parse("2026-12-07T10:00:00Z"));

    @BeforeEach
    void setUp() throws Exception {
        mirror = Mirror.start().serve("/direct/linux", new byte[] {1}).serve("/pi.img.xz", REMOTE_IMAGE);
        roots = new AssetRoots(dir.resolve("boot-assets"), dir.resolve("state/fetched"), dir.resolve("image-cache"));
        Files.createDirectories(dir.resolve("boot-assets/debian"));
        Files.writeString(dir.resolve("boot-assets/debian/vmlinuz"), "kernel");
        Files.createDirectories(dir.resolve("images"));
        Files.write(dir.resolve("images/pi.img"), IMAGE);
        Files.createDirectories(dir.resolve("fw"));
    }

    @AfterEach
    void tearDown() {
        mirror.close();
    }

    private Inventory inventory(String imageSha256) throws Exception {
        return InventoryLoader.load(InventoryFixture.write(dir, "inventory.yaml", InventoryFixture.site(null) + """
                classes:
                  served: {arch: amd64, delivery: netboot, netboot: {kernel: debian/vmlinuz, initrd: [debian/initrd.gz]}}
                  direct: {arch: amd64, delivery: netboot, netboot: {kernel: "%s"}}
                  fetched: {arch: amd64, delivery: netboot, netboot: {kernel: {url: "%s", sha256: %s}}}
                  card: {arch: arm64, delivery: sdcard, image: {path: images/pi.img, sha256: %s}}
                  card-url: {arch: arm64, delivery: sdcard, image: {url: "%s", sha256: %s}}
                  pi: {arch: arm64, delivery: netboot, netboot: {firmware_dir: fw}}
                nodes:
                  s1: {class: served, mac: 02:00:00:00:00:01, ip: 192.0.2.21/24}
                  s2: {class: served, mac: 02:00:00:00:00:02, ip: 192.0.2.22/24}
                  d1: {class: direct, mac: 02:00:00:00:00:03, ip: 192.0.2.23/24}
                  f1: {class: fetched, mac: 02:00:00:00:00:04, ip: 192.0.2.24/24}
                  c1: {class: card, mac: 02:00:00:00:00:05, ip: 192.0.2.25/24}
                  u1: {class: card-url, mac: 02:00:00:00:00:06, ip: 192.0.2.26/24}
                  p1: {class: pi, mac: 02:00:00:00:00:07, ip: 192.0.2.27/24, serial: 1a2b3c4d}
                """.formatted(mirror.url("/direct/linux"), mirror.url("/netboot/linux"), KERNEL, imageSha256,
                mirror.url("/pi.img.xz"), Sha256.hex(REMOTE_IMAGE))));
    }

    @Test
    void eachNodeNeedsWhatItsDeliveryFetches() throws Exception {
        List<String> needs = AssetNeeds.of(inventory(Sha256.hex(IMAGE)), roots).stream()
                .map(n -> n.node() + " " + n.field() + " " + n.kind() + " " + n.location()).toList();
        assertThat(needs).containsExactly(
                "s1 netboot.kernel SERVED " + dir.resolve("boot-assets/debian/vmlinuz"),
                "s1 netboot.initrd[0] SERVED " + dir.resolve("boot-assets/debian/initrd.gz"),
                "s2 netboot.kernel SERVED " + dir.resolve("boot-assets/debian/vmlinuz"),
                "s2 netboot.initrd[0] SERVED " + dir.resolve("boot-assets/debian/initrd.gz"),
                "d1 netboot.kernel DIRECT " + mirror.url("/direct/linux"),
                "f1 netboot.kernel FETCHED " + mirror.url("/netboot/linux"),
                "c1 image IMAGE_FILE " + dir.resolve("images/pi.img"),
                "u1 image IMAGE_URL " + mirror.url("/pi.img.xz"));
    }

    @Test
    void eachFileMissingOrWrongIsReportedOnceForAllItsNodesAtThePlaceThatNamesIt() throws Exception {
        Inventory inventory = inventory(OTHER_IMAGE);
        List<String> problems = new AssetProbe(roots, new FileHashes(), clock, null, null).check(inventory).problems().stream()
                .map(p -> p.pos().line() + " " + p).toList();
        assertThat(problems).containsExactly(
                "9 netboot.initrd[0] of s1, s2: " + dir.resolve("boot-assets/debian/initrd.gz") + ": no such file",
                "11 netboot.kernel of f1: " + mirror.url("/netboot/linux") + ": not cached at "
                        + dir.resolve("state/fetched/" + KERNEL) + " and not reachable: HTTP 404 to a HEAD",
                "12 image of c1: " + dir.resolve("images/pi.img") + ": its SHA-256 is " + Sha256.hex(IMAGE)
                        + ", not the inventory's " + OTHER_IMAGE);

        Files.writeString(dir.resolve("boot-assets/debian/initrd.gz"), "initrd");
        mirror.serve("/netboot/linux", new byte[] {2});
        clock.advance(AssetProbe.ASK_AGAIN_UNREACHABLE);
        assertThat(new AssetProbe(roots, new FileHashes(), clock, null, null).check(inventory(Sha256.hex(IMAGE))).problems())
                .isEmpty();
    }

    @Test
    void aPlaceholderHashIsReportedBesideAMissingFile() throws Exception {
        Files.delete(dir.resolve("images/pi.img"));
        List<String> problems = AssetProbe.once(roots, null).check(inventory(PLACEHOLDER)).problems().stream()
                .map(AssetReport.Group::toString).toList();
        assertThat(problems).containsExactly(
                "netboot.initrd[0] of s1, s2: " + dir.resolve("boot-assets/debian/initrd.gz") + ": no such file",
                "netboot.kernel of f1: " + mirror.url("/netboot/linux") + ": not cached at "
                        + dir.resolve("state/fetched/" + KERNEL) + " and not reachable: HTTP 404 to a HEAD",
                "image of c1: " + dir.resolve("images/pi.img") + ": its sha256 is a placeholder (one digit, 64 times): "
                        + "give the file's own",
                "image of c1: " + dir.resolve("images/pi.img") + ": no such file");
    }

    @Test
    void aFileOutsideTheBootAssetsIsNotServedSoNotFound() throws Exception {
        Files.writeString(dir.resolve("outside"), "not served");
        Files.createSymbolicLink(dir.resolve("boot-assets/debian/initrd.gz"), dir.resolve("outside"));
        assertThat(AssetProbe.once(roots, null).check(inventory(Sha256.hex(IMAGE))).problems())
                .extracting(AssetReport.Group::text).contains("not served: not a regular file under the boot assets");
    }

    /** A URL is fine in its cache or reachable, and the note says which; a HEAD is asked again only after a while. */
    @Test
    void aUrlIsFoundCachedOrByAHeadAskedAgainOnlyAfterAWhile() throws Exception {
        Inventory inventory = inventory(Sha256.hex(IMAGE));
        AssetProbe probe = new AssetProbe(roots, new FileHashes(), clock, null, null);
        assertThat(probe.check(inventory).notes()).extracting(AssetReport.Group::toString).containsExactly(
                "netboot.kernel of d1: " + mirror.url("/direct/linux") + ": reachable (HEAD: HTTP 200)",
                "image of u1: " + mirror.url("/pi.img.xz") + ": not cached; reachable (HEAD: HTTP 200)");
        probe.check(inventory);
        assertThat(mirror.requests("HEAD", "/pi.img.xz")).isEqualTo(1);
        clock.advance(AssetProbe.ASK_AGAIN_REACHABLE);
        probe.check(inventory);
        assertThat(mirror.requests("HEAD", "/pi.img.xz")).isEqualTo(2);

        Files.createDirectories(roots.imageCache());
        Files.write(roots.imageCache().resolve(Sha256.hex(REMOTE_IMAGE)), REMOTE_IMAGE);
        assertThat(probe.check(inventory).notes()).extracting(AssetReport.Group::text)
                .contains("cached at " + roots.imageCache().resolve(Sha256.hex(REMOTE_IMAGE)));
        assertThat(mirror.requests("GET", "/pi.img.xz")).isZero();
    }

    /**
     * A golden image at hand, local or cached, that has no place for the seed is a problem; its layout is asked
     * once for as long as the file is unchanged, and not at all when its hash is already wrong.
     */
    @Test
    void aGoldenImageAtHandWithNoPlaceForTheSeedIsAProblemAskedOncePerFileState() throws Exception {
        List<Path> asked = new java.util.ArrayList<>();
        ImageLayout layout = image -> {
            asked.add(image);
            return java.util.Optional.of("it has no FAT partition to hold the seed");
        };
        Path cached = roots.imageCache().resolve(Sha256.hex(REMOTE_IMAGE));
        Files.createDirectories(roots.imageCache());
        Files.write(cached, REMOTE_IMAGE);
        AssetProbe probe = AssetProbe.once(roots, layout);
        Inventory inventory = inventory(Sha256.hex(IMAGE));
        assertThat(probe.check(inventory).problems()).extracting(AssetReport.Group::toString).contains(
                "image of c1: " + dir.resolve("images/pi.img") + ": no place for the seed: it has no FAT partition to hold the seed",
                "image of u1: " + mirror.url("/pi.img.xz") + ": no place for the seed: it has no FAT partition to hold the seed");
        probe.check(inventory);
        assertThat(asked).containsExactly(dir.resolve("images/pi.img"), cached);

        Files.setLastModifiedTime(cached, java.nio.file.attribute.FileTime.from(Instant.parse("2026-01-01T00:00:00Z")));
        probe.check(inventory);
        assertThat(asked).containsExactly(dir.resolve("images/pi.img"), cached, cached);

        asked.clear();
        assertThat(AssetProbe.once(roots, layout).check(inventory(OTHER_IMAGE)).problems()).extracting(AssetReport.Group::text)
                .contains("its SHA-256 is " + Sha256.hex(IMAGE) + ", not the inventory's " + OTHER_IMAGE);
        assertThat(asked).containsExactly(cached);
    }
}
