package dev.metis.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.metis.files.Sha256;
import dev.metis.testing.Cli;
import dev.metis.testing.InventoryFixture;
import dev.metis.testing.Mirror;
import dev.metis.testing.ServerFixture;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CommandLineTest {

    private static final String EXAMPLE = InventoryFixture.EXAMPLE.toString();

    /**
     * The example names kernels this repository does not ship and images with placeholder hashes: a valid
     * inventory, whose missing files are warnings that fail the check only with --strict.
     */
    @Test
    void theExampleInventoryIsValidAndWarnsOfTheFilesItsNodesMiss() {
        Cli.Run run = Cli.run("inventory", "check", "--inventory", EXAMPLE);
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).contains("site homelab, 9 nodes valid (control-plane 3, amd64-agent 2, pi4-storage 2, pi4 1, "
                + "pi5 1); 6 warnings about files the nodes need (--strict fails on them)");
        assertThat(run.err()).contains(EXAMPLE + ":85:15: warning: netboot.kernel of cp-01, cp-02, cp-03, nuc-01, nuc-02: "
                        + Path.of("boot-assets/debian-12/vmlinuz").toAbsolutePath() + ": no such file\n",
                EXAMPLE + ":50:13: warning: image of pi4-01, pi4-02, pi4-03: " + Path.of("deploy/example/images/"
                        + "ubuntu-24.04-preinstalled-server-arm64+raspi.img.xz").toAbsolutePath()
                        + ": its sha256 is a placeholder (one digit, 64 times): give the file's own\n");
        Cli.Run strict = Cli.run("inventory", "check", "--inventory", EXAMPLE, "--strict");
        assertThat(strict.exitCode()).isEqualTo(3);
        assertThat(strict.err().lines().filter(line -> line.contains(": warning: ")))
                .containsExactlyElementsOf(run.err().lines().filter(line -> line.contains(": warning: ")).toList());
    }

    @Test
    void withEveryFileInPlaceTheCheckSaysOkAndHowAFileByUrlWasFound(@TempDir Path dir) throws Exception {
        byte[] image = "an image on a mirror".getBytes(StandardCharsets.UTF_8);
        Files.createDirectories(dir.resolve("assets/debian"));
        Files.writeString(dir.resolve("assets/debian/vmlinuz"), "kernel");
        try (Mirror mirror = Mirror.start().serve("/pi.img.xz", image)) {
            Path inventory = InventoryFixture.write(dir, "inventory.yaml", InventoryFixture.site(null) + """
                    classes:
                      net: {arch: amd64, delivery: netboot, netboot: {kernel: debian/vmlinuz}}
                      pi: {arch: arm64, delivery: sdcard, image: {url: "%s", sha256: %s}}
                    nodes:
                      web-1: {class: net, mac: 02:00:00:00:00:01, ip: 192.0.2.21/24}
                      pi-1: {class: pi, mac: 02:00:00:00:00:02, ip: 192.0.2.22/24}
                    """.formatted(mirror.url("/pi.img.xz"), Sha256.hex(image)));
            Cli.Run run = Cli.run("inventory", "check", "--inventory", inventory.toString(), "--boot-assets",
                    dir.resolve("assets").toString(), "--cache", dir.resolve("cache").toString(), "--strict");
            assertThat(run.exitCode()).as(run.all()).isZero();
            assertThat(run.out()).contains(inventory + ":10:52: note: image of pi-1: " + mirror.url("/pi.img.xz")
                    + ": not cached; reachable (HEAD: HTTP 200)\n", "site test, 2 nodes ok (net 1, pi 1)\n");
            assertThat(run.err()).doesNotContain("warning");
        }
    }

    @Test
    void usageErrorsExitWithTwo() {
        assertThat(Cli.run("render", "--inventory", EXAMPLE, "--node", "cp-01", "kernel").exitCode()).isEqualTo(2);
        assertThat(Cli.run("config", "--inventory", EXAMPLE).exitCode()).isEqualTo(2);
        assertThat(Cli.run("no-such-command").exitCode()).isEqualTo(2);
        Cli.Run noWindow = Cli.run("serve", "--inventory", EXAMPLE, "--seed-window", "0s");
        assertThat(noWindow.exitCode()).isEqualTo(2);
        assertThat(noWindow.err()).contains("--seed-window must be longer than 0");
        assertThat(Cli.run("serve", "--inventory", EXAMPLE, "--seed-window", "half an hour").exitCode()).isEqualTo(2);
        // with a state dir of its own and no boot assets, so that a serve that took 0 would stop, not run
        String[] stops = {"--state-dir", "target/limits-state", "--boot-assets", "target/no-such-assets"};
        Cli.Run noTftpSlot = Cli.run(serve(stops, "--tftp-per-client", "0"));
        assertThat(noTftpSlot.exitCode()).isEqualTo(2);
        assertThat(noTftpSlot.err()).contains("--tftp-per-client must be at least 1");
        Cli.Run noIdle = Cli.run(serve(stops, "--http-idle-timeout", "0s"));
        assertThat(noIdle.exitCode()).isEqualTo(2);
        assertThat(noIdle.err()).contains("HTTP limits: the idle timeout must be longer than 0");
        assertThat(Cli.run(serve(stops, "--http-connections-per-client", "0")).err())
                .contains("HTTP limits: connections per client must be at least 1");
    }

    @Test
    void serveWritesNothingForAnInventoryItCannotServe(@TempDir Path dir) throws Exception {
        Path assets = Files.createDirectories(dir.resolve("assets"));
        Path state = dir.resolve("state");
        Map<String, String> invalid = Map.of(
                "unknown-field.yaml", InventoryFixture.site(null)
                        + InventoryFixture.TWO_NODES.replace("hostname: host-two", "hostname: host-two, colour: blue"),
                "missing-secrets.yaml", InventoryFixture.site("no-such-secrets.yaml") + InventoryFixture.TWO_NODES,
                "vault-without-address.yaml", InventoryFixture.vaultSite("{}") + InventoryFixture.TWO_NODES);
        for (Map.Entry<String, String> inventory : invalid.entrySet()) {
            Path file = InventoryFixture.write(dir, inventory.getKey(), inventory.getValue());
            Cli.Run run = Cli.run("serve", "--inventory", file.toString(), "--state-dir", state.toString(), "--boot-assets",
                    assets.toString(), "--no-dhcp", "--no-tftp", "--http-addr", "127.0.0.1", "--http-port",
                    Integer.toString(ServerFixture.freePort()));
            assertThat(run.exitCode()).as(run.all()).isEqualTo(1);
            assertThat(run.err()).as(inventory.getKey()).containsPattern("\\d+ problems?\\n");
            assertThat(state).as("no state directory, admin token or site key for " + inventory.getKey()).doesNotExist();
        }
    }

    /** {@code serve} on the example inventory with {@code stops} and then {@code flags}. */
    private static String[] serve(String[] stops, String... flags) {
        List<String> args = new ArrayList<>(List.of("serve", "--inventory", EXAMPLE));
        args.addAll(List.of(stops));
        args.addAll(List.of(flags));
        return args.toArray(String[]::new);
    }

    @Test
    void anUnknownNodeIsInvalidInputWithASuggestion() {
        Cli.Run run = Cli.run("config", "--inventory", EXAMPLE, "--node", "cp-1");
        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.err()).contains("no node 'cp-1' in the inventory (did you mean 'cp-01'?)");
    }

    @Test
    void everyCommandGroupHasHelp() {
        Cli.Run help = Cli.run("inventory", "--help");
        assertThat(help.exitCode()).as(help.all()).isZero();
        assertThat(help.out()).contains("Usage: metis inventory").contains("check");
    }

    @Test
    void renderRefusesAFileTheNodeNeverReceives() {
        Cli.Run cardIpxe = Cli.run("render", "--inventory", EXAMPLE, "--node", "pi4-01", "ipxe");
        assertThat(cardIpxe.exitCode()).isEqualTo(1);
        assertThat(cardIpxe.out()).isEmpty();
        assertThat(cardIpxe.err()).contains("node pi4-01 is delivered on a card: it boots no iPXE script");
        Cli.Run cardCmdline = Cli.run("render", "--inventory", EXAMPLE, "--node", "pi4-01", "cmdline.txt");
        assertThat(cardCmdline.exitCode()).isEqualTo(1);
        assertThat(cardCmdline.out()).doesNotContain(";s=http");
        assertThat(cardCmdline.err()).contains("its cmdline.txt is the golden image's own");
        Cli.Run amd64Cmdline = Cli.run("render", "--inventory", EXAMPLE, "--node", "cp-01", "cmdline.txt");
        assertThat(amd64Cmdline.exitCode()).isEqualTo(1);
        assertThat(amd64Cmdline.err()).contains("node cp-01 has no Pi serial: only netbooting Pis fetch cmdline.txt");
        Cli.Run netbootIpxe = Cli.run("render", "--inventory", EXAMPLE, "--node", "cp-01", "ipxe");
        assertThat(netbootIpxe.exitCode()).isZero();
        assertThat(netbootIpxe.out()).startsWith("#!ipxe\n").contains("ds=nocloud-net;s=");
    }

    @Test
    void nodesCanBeNamedByMacInAnySpelling() {
        Cli.Run byName = Cli.run("render", "--inventory", EXAMPLE, "--node", "pi4-01", "meta-data");
        Cli.Run byMac = Cli.run("render", "--inventory", EXAMPLE, "--node", "DC-A6-32-10-00-31", "meta-data");
        assertThat(byMac.out()).isEqualTo(byName.out()).contains("local-hostname: pi4-01");
    }

    @Test
    void explainNamesTheLayerOfEachValue() {
        Cli.Run run = Cli.run("config", "--inventory", EXAMPLE, "--node", "cp-03", "--explain");
        assertThat(run.exitCode()).isZero();
        assertThat(run.out()).contains("# node cp-03: class chain base -> amd64 -> control-plane");
        assertThat(run.out().lines().filter(l -> l.startsWith("k3s.role: server")).findFirst().orElseThrow())
                .contains("# class control-plane (deploy/example/inventory.yaml:");
        assertThat(run.out().lines().filter(l -> l.startsWith("domain: lab.example")).findFirst().orElseThrow())
                .contains("# site (");
        // cp-03 removes the taint its class sets: the line says who removed it, and what and whose it was
        assertThat(run.out().lines().filter(l -> l.contains("node-role.kubernetes.io/control-plane")).toList())
                .singleElement().asString()
                .startsWith("k3s.taints.\"node-role.kubernetes.io/control-plane\": null")
                .containsPattern("# removed by node cp-03 \\(deploy/example/inventory.yaml:\\d+:\\d+\\); was NoSchedule "
                        + "from class control-plane \\(deploy/example/inventory.yaml:\\d+:\\d+\\)$");
    }

    @Test
    void planNamesTheStateDirectoryOfTheEnvironmentAndMakesNothingThere(@TempDir Path dir) throws Exception {
        Path state = dir.resolve("state");
        Cli.Run plan = Cli.run(Map.of("METIS_STATE_DIR", state.toString()), "plan", "--inventory", EXAMPLE, "--node",
                "pi4-01", "--cache", dir.resolve("cache").toString());
        assertThat(plan.out()).as(plan.all())
                .contains("history    " + state.resolve("burns.jsonl") + ": a server with --state-dir " + state
                        + " lists the card on its page")
                .contains("site key   " + state.resolve("site.key") + " (not made yet: image and burn make it)");
        assertThat(state).doesNotExist();
    }

    @Test
    void planOfAMissingLocalImageSaysSoAndNamesNoDownload(@TempDir Path dir) throws Exception {
        Path inventory = InventoryFixture.write(dir, "inventory.yaml", InventoryFixture.site(null) + """
                classes:
                  pi: {arch: arm64, delivery: sdcard, image: {path: missing.img, sha256: %s}}
                nodes:
                  pi-1: {class: pi, mac: "dc:a6:32:00:00:01", ip: 192.0.2.31/24}
                """.formatted("0".repeat(64)));
        Cli.Run plan = Cli.run(Map.of("METIS_STATE_DIR", dir.resolve("state").toString()), "plan", "--inventory",
                inventory.toString(), "--node", "pi-1", "--cache", dir.resolve("cache").toString());
        assertThat(plan.out()).as(plan.all()).contains("partitions unknown: the image is not there to read")
                .contains("problem    the golden image file does not exist").doesNotContain("null");
    }

    @Test
    void theInventoryComesFromTheEnvironmentWhenNotGiven() {
        Cli.Run run = Cli.run("inventory", "check");
        if (System.getenv("METIS_INVENTORY") == null) {
            assertThat(run.exitCode()).isEqualTo(2);
            assertThat(run.err()).contains("give --inventory FILE or set METIS_INVENTORY");
        }
    }
}
