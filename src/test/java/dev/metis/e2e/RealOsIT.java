package dev.metis.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.metis.e2e.GuestVm.CloudInit;
import dev.metis.e2e.GuestVm.Firmware;
import dev.metis.files.Sha256;
import dev.metis.testing.Cli;
import dev.metis.testing.ExternalTool;
import dev.metis.testing.InventoryFixture;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every delivery path ends in a real Debian running with the node's identity, read inside the guest: the
 * golden image ({@code deploy/dev/golden-image}) booted in QEMU in the namespace lab, against one
 * {@code metis serve} that answers proxy-DHCP and HTTP for all the nodes here.
 * <ul>
 * <li>card: {@code metis image} of the golden image, booted from that image (no netboot), twice;</li>
 * <li>live netboot: the golden image's own kernel and initramfs over iPXE with the seed over HTTP
 * ({@code ds=nocloud-net}, network config on the command line), root on its disk, which holds no seed:
 * Debian 12's cloud-init (22.4) and Debian 13's (25.x);</li>
 * <li>install: an empty disk, the recovery environment ({@code deploy/recovery/build}) netbooted, the image
 * written and verified, the first disk boot provisioned, the next netboot sent to the disk: BIOS and UEFI.</li>
 * </ul>
 * Each node's identity comes from one inventory: hostname and fqdn, static address, gateway and DNS, a user
 * with a key, the k3s config, a journald drop-in and a file, then phone-home. The k3s agent install has no
 * internet here and fails: cloud-init's report of that failure is checked on the node's timeline too.
 */
class RealOsIT {

    static final String KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIEuYiiVgm27u4phEbx6afisYcMBueMCtP4ZjC5n+NX8K ops@metis.test";
    static final String CANARY = "K10-real-os-canary-5b2f0e1c::server:7d1e";
    private static final String LANE_A = NetbootLab.VM_LINK;
    private static final String LANE_B = NetbootLab.SECOND_VM_LINK;
    private static final long DISK_BYTES = 3L << 30;
    /** TCG on two busy cores: a boot to cloud-init's end takes two minutes or so, rarely much more. */
    private static final Duration BOOT = Duration.ofMinutes(12);
    private static final long ESP_OFFSET = 8192L * 512;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final ObjectMapper YAML = new YAMLMapper();

    @TempDir
    static Path dir;

    private static NetbootLab lab;
    private static Path metisLog;
    private static Path inventory;

    /** A node of the lab: its name, class, MAC and static address. */
    record Node(String name, String nodeClass, String mac, String ip) {
    }

    static final Node CARD = new Node("card-1", "card", "52:54:00:77:30:01", "10.77.0.61");
    static final Node LIVE_12 = new Node("live-12", "live-12", "52:54:00:77:30:12", "10.77.0.62");
    static final Node LIVE_13 = new Node("live-13", "live-13", "52:54:00:77:30:13", "10.77.0.63");
    static final Node INSTALL_BIOS = new Node("disk-1", "disk", "52:54:00:77:30:21", "10.77.0.64");
    static final Node INSTALL_UEFI = new Node("disk-2", "disk-vda", "52:54:00:77:30:22", "10.77.0.65");

    @BeforeAll
    static void start() throws Exception {
        lab = NetbootLab.up(dir);
        Path assets = Files.createDirectories(dir.resolve("assets"));
        String cmdline12 = liveAssets(CloudInit.BOOKWORM, assets.resolve("live-12"));
        String cmdline13 = liveAssets(CloudInit.TRIXIE, assets.resolve("live-13"));
        Path golden = GuestVm.goldenImage(CloudInit.BOOKWORM);
        ExternalTool.runSuccessfully(dir, Path.of("deploy/recovery/build").toAbsolutePath().toString(),
                assets.resolve("recovery").toString());
        InventoryFixture.write(dir, "secrets.yaml", "nodes:\n" + List.of(CARD, LIVE_12, LIVE_13, INSTALL_BIOS, INSTALL_UEFI).stream()
                .map(n -> "  " + n.name() + ": {k3s_token: \"" + CANARY + "\"}\n").reduce("", String::concat));
        inventory = InventoryFixture.write(dir, "inventory.yaml", """
                site:
                  name: lab
                  domain: lab.metis.test
                  dns: [10.77.0.1]
                  server_url: %s
                  k3s_server: https://10.77.0.10:6443
                  secrets: {source: file, file: secrets.yaml}
                classes:
                  base:
                    arch: amd64
                    gateway: 10.77.0.1
                    users:
                      ops: {groups: [sudo], ssh_authorized_keys: ["%s"]}
                    journald: {Storage: volatile, RuntimeMaxUse: 32M}
                    k3s: {role: agent, labels: {metis.dev/lab: real-os}}
                    files:
                      /etc/metis/role: {content: "{{name}} of class {{class}}\\n"}
                  card:
                    extends: base
                    delivery: sdcard
                    image: {path: "%s", sha256: %s}
                  live-12:
                    extends: base
                    delivery: netboot
                    netboot: {kernel: live-12/vmlinuz, initrd: [live-12/initrd.img], cmdline: "%s"}
                  live-13:
                    extends: base
                    delivery: netboot
                    netboot: {kernel: live-13/vmlinuz, initrd: [live-13/initrd.img], cmdline: "%s"}
                  disk:
                    extends: base
                    delivery: netboot
                    image: {path: "%s", sha256: %s}
                    install: {disk: auto}
                  disk-vda:
                    extends: disk
                    install: {disk: /dev/vda}
                nodes:
                  card-1: {class: card, mac: "%s", ip: %s/24}
                  live-12: {class: live-12, mac: "%s", ip: %s/24}
                  live-13: {class: live-13, mac: "%s", ip: %s/24}
                  disk-1: {class: disk, mac: "%s", ip: %s/24}
                  disk-2: {class: disk-vda, mac: "%s", ip: %s/24}
                """.formatted(NetbootLab.SERVER_URL, KEY, golden, fileSha256(golden), cmdline12, cmdline13, golden,
                fileSha256(golden), CARD.mac(), CARD.ip(), LIVE_12.mac(), LIVE_12.ip(), LIVE_13.mac(), LIVE_13.ip(),
                INSTALL_BIOS.mac(), INSTALL_BIOS.ip(), INSTALL_UEFI.mac(), INSTALL_UEFI.ip()));
        Files.createDirectories(dir.resolve("tftp"));
        Files.copy(Path.of("/usr/lib/ipxe/ipxe.efi"), dir.resolve("tftp/ipxe.efi"));
        metisLog = lab.startMetis(List.of("--inventory", inventory.toString(), "--state-dir", state().toString(),
                "--boot-assets", assets.toString(), "--tftp-root", dir.resolve("tftp").toString(), "--interface", "br0"));
    }

    @AfterAll
    static void stop() throws Exception {
        if (lab != null) {
            lab.close();
        }
        if (metisLog != null) {
            assertThat(Files.readString(metisLog)).as("the server's log").doesNotContain(CANARY);
        }
    }

    private static Path state() {
        return dir.resolve("state");
    }

    /**
     * The golden image's kernel and initramfs, copied from its ESP into {@code target}, as an operator
     * would put a distribution's netboot files under the boot assets. @return the command line its own boot
     * loader gives them (root on the disk by PARTUUID, serial console)
     */
    private static String liveAssets(CloudInit variant, Path target) throws Exception {
        Path golden = GuestVm.goldenImage(variant);
        Files.createDirectories(target);
        String esp = golden + "@@" + ESP_OFFSET;
        ExternalTool.runSuccessfully(dir, "mcopy", "-n", "-i", esp, "::/vmlinuz", target.resolve("vmlinuz").toString());
        ExternalTool.runSuccessfully(dir, "mcopy", "-n", "-i", esp, "::/initrd.img", target.resolve("initrd.img").toString());
        String entry = ExternalTool.runSuccessfully(dir, "mtype", "-i", esp, "::/loader/entries/debian.conf").output();
        return entry.lines().filter(line -> line.startsWith("options ")).findFirst()
                .map(line -> line.substring("options ".length()).strip()).orElseThrow();
    }

    /**
     * Lane A (tap0): the card, then the live netboots. Beside lane B, so that the two cores each run a
     * machine: the suite's time is the longer lane's.
     */
    @Test
    @Execution(ExecutionMode.CONCURRENT)
    void aCardImageAndLiveNetbootsEndInTheNodesIdentity() throws Exception {
        card();
        liveNetboot(LIVE_12, Firmware.BIOS);
        liveNetboot(LIVE_13, Firmware.UEFI);
    }

    /** Lane B (tap1): installs from an empty disk, under BIOS then UEFI. */
    @Test
    @Execution(ExecutionMode.CONCURRENT)
    void installsUnderBiosAndUefiEndInTheNodesIdentity() throws Exception {
        install(INSTALL_BIOS, Firmware.BIOS);
        install(INSTALL_UEFI, Firmware.UEFI);
    }

    /** {@code metis image}, booted from that image (no netboot); then booted again. */
    private static void card() throws Exception {
        Path disk = dir.resolve("card-1.img");
        Cli.Run image = Cli.run("image", "--inventory", inventory.toString(), "--node", CARD.name(), "--output",
                disk.toString(), "--state-dir", state().toString(), "--cache", dir.resolve("cache").toString());
        assertThat(image.exitCode()).as(image.all()).isZero();
        assertThat(image.all()).doesNotContain(CANARY).contains("seed partition");
        GuestVm.grow(disk, DISK_BYTES);
        String firstInstance;
        try (GuestVm vm = GuestVm.with(disk).nic(lab, CARD.mac(), LANE_A).start(dir.resolve("card-1-console.log"))) {
            GuestFacts facts = vm.awaitFacts(BOOT);
            firstInstance = facts.instanceId();
            assertIdentity(CARD, facts);
            assertThat(facts.datasourcePlatform()).isEqualTo("nocloud");
            assertThat(facts.get("datasource.subplatform")).as("the seed partition").contains("config-disk");
            assertThat(facts.rootPartitionBytes()).as("the root partition grew past the seed partition's disk")
                    .isGreaterThan(2L << 30);
            awaitProvisioned(CARD);
        }
        try (GuestVm vm = GuestVm.with(disk).nic(lab, CARD.mac(), LANE_A).start(dir.resolve("card-1-console-2.log"))) {
            GuestFacts again = vm.awaitFacts(BOOT);
            assertThat(again.bootCount()).isEqualTo(2);
            assertThat(again.instanceId()).as("the same instance: nothing applied anew").isEqualTo(firstInstance);
            assertIdentity(CARD, again);
        }
        assertThat(node(CARD).get("state").asText()).isEqualTo("provisioned");
    }

    /**
     * Empty disk -> recovery environment -> image written, verified -> reboot -> the netboot exits to the disk
     * -> cloud-init applies the seed from the disk -> provisioned; powered on again, the next netboot exits to
     * the disk and the identity stays.
     */
    private static void install(Node node, Firmware firmware) throws Exception {
        Path disk = GuestVm.grow(Files.createFile(dir.resolve(node.name() + ".raw")), DISK_BYTES);
        String name = node.name();
        String instance;
        try (GuestVm vm = GuestVm.with(disk).firmware(firmware).nic(lab, node.mac(), LANE_B).netThenDisk()
                .start(dir.resolve(name + "-console.log"))) {
            GuestFacts facts = vm.awaitFacts(BOOT);
            instance = facts.instanceId();
            assertIdentity(node, facts);
            assertThat(facts.get("datasource.subplatform")).as("the seed partition on the disk").contains("config-disk");
            assertThat(facts.rootPartitionBytes()).as("growpart on the installed disk").isGreaterThan(2L << 30);
            awaitProvisioned(node);
            String console = Files.readString(vm.console(), StandardCharsets.ISO_8859_1);
            assertThat(console).contains("metis-install:").doesNotContain(CANARY);
        }
        List<String> events = new ArrayList<>();
        node(node).get("events").forEach(e -> events.add(e.get("event").asText()));
        assertThat(events).containsSubsequence("script", "install-started", "install-verified", "install-rebooting",
                "exit", "phone-home");
        assertThat(events).doesNotContain("install-failed", "seed-conflict");
        // What the recovery environment was served is what `metis image` writes for the node.
        Path made = dir.resolve(name + "-metis-image.img");
        Cli.Run image = Cli.run("image", "--inventory", inventory.toString(), "--node", name, "--output", made.toString(),
                "--state-dir", state().toString(), "--cache", dir.resolve("cache").toString());
        assertThat(image.exitCode()).as(image.all()).isZero();
        Path served;
        try (var files = Files.list(state().resolve("install"))) {
            served = files.filter(f -> f.getFileName().toString().startsWith(node.mac().replace(':', '-')))
                    .findFirst().orElseThrow();
        }
        assertThat(ExternalTool.run(dir, "cmp", served.toString(), made.toString()).exitCode())
                .as("the image served to %s is the one metis image writes", name).isZero();

        try (GuestVm vm = GuestVm.with(disk).firmware(firmware).nic(lab, node.mac(), LANE_B).netThenDisk()
                .start(dir.resolve(name + "-console-2.log"))) {
            GuestFacts again = vm.awaitFacts(BOOT);
            assertThat(again.bootCount()).isEqualTo(2);
            assertThat(again.instanceId()).isEqualTo(instance);
            assertIdentity(node, again);
            assertThat(Files.readString(vm.console(), StandardCharsets.ISO_8859_1)).doesNotContain("metis-install:");
        }
        JsonNode after = node(node);
        assertThat(after.get("state").asText()).isEqualTo("provisioned");
        List<String> later = new ArrayList<>();
        after.get("events").forEach(e -> later.add(e.get("event").asText()));
        List<String> sincePhoneHome = later.subList(later.lastIndexOf("phone-home") + 1, later.size());
        assertThat(sincePhoneHome).as("the second netboot was sent to the disk").contains("exit")
                .doesNotContain("script", "install-started");
    }

    private static void liveNetboot(Node node, Firmware firmware) throws Exception {
        CloudInit variant = node == LIVE_12 ? CloudInit.BOOKWORM : CloudInit.TRIXIE;
        Path disk = GuestVm.copyOf(GuestVm.goldenImage(variant), dir.resolve(node.name() + ".raw"), DISK_BYTES);
        try (GuestVm vm = GuestVm.with(disk).firmware(firmware).nic(lab, node.mac(), LANE_A).netThenDisk()
                .start(dir.resolve(node.name() + "-console.log"))) {
            GuestFacts facts = vm.awaitFacts(BOOT);
            assertIdentity(node, facts);
            assertThat(facts.datasourcePlatform()).isEqualTo("nocloud");
            assertThat(facts.get("cloud_init.version")).contains(variant == CloudInit.BOOKWORM ? "22.4" : "25.");
            awaitProvisioned(node);
            String console = Files.readString(vm.console(), StandardCharsets.ISO_8859_1);
            assertThat(console).doesNotContain(CANARY);
        }
        assertThat(Files.readString(metisLog)).contains("node " + node.name() + " phoned home from " + node.ip());
    }

    /** What the guest says it is, against what the inventory gives the node; and the failed k3s install reported. */
    static void assertIdentity(Node node, GuestFacts facts) throws Exception {
        synchronized (Cli.class) { // Cli.run captures System.out under this lock: the other lane's print stays out
            System.out.printf("%s: %s%n", node.name(), facts);
        }
        JsonNode userData = YAML.readTree(render(node, "user-data"));
        assertThat(facts.hostname()).isEqualTo(node.name());
        assertThat(facts.fqdn()).isEqualTo(node.name() + ".lab.metis.test");
        assertThat(facts.ipv4Addresses()).containsExactly(node.ip() + "/24");
        assertThat(facts.defaultGateway()).isEqualTo("10.77.0.1");
        assertThat(facts.dnsServers()).contains("10.77.0.1");
        assertThat(facts.groupsOf("ops")).contains("sudo");
        List<String> keys = new ArrayList<>();
        for (JsonNode user : userData.path("users")) {
            if (user.path("name").asText().equals("ops")) {
                user.path("ssh_authorized_keys").forEach(key -> keys.add(key.asText()));
            }
        }
        assertThat(keys).contains(KEY);
        assertThat(facts.authorizedKeysSha256("ops")).contains(sha256(String.join("\n", keys) + "\n"));
        assertThat(facts.k3sConfigSha256()).contains(Sha256.hex(render(node, "k3s-config")));
        assertThat(facts.k3s("node-label")).hasValueSatisfying(labels -> assertThat(labels).contains("metis.dev/lab=real-os"));
        assertThat(facts.journaldDropIns()).containsEntry("90-metis.conf", sha256(writtenFile(userData,
                "/etc/systemd/journald.conf.d/90-metis.conf")));
        assertThat(facts.metisFiles()).containsEntry("/etc/metis/role", sha256(node.name() + " of class "
                + node.nodeClass() + "\n"));
        // The only failure is the k3s agent's install, which needs the internet this lab does not have.
        assertThat(facts.cloudInitStatus()).isIn("done", "error");
        assertThat(facts.cloudInitErrors()).doesNotContain("config-users-groups", "config-write-files", "config-ssh");
        assertThat(facts.all().toString()).doesNotContain(CANARY);
    }

    /** The node's file as {@code metis render} gives it (the k3s token included: the test compares hashes only). */
    private static byte[] render(Node node, String file) {
        Cli.Run run = Cli.run("render", "--inventory", inventory.toString(), "--node", node.name(), file,
                "--state-dir", state().toString(), "--reveal-secrets");
        assertThat(run.exitCode()).as(run.all()).isZero();
        return run.out().getBytes(StandardCharsets.UTF_8);
    }

    private static String writtenFile(JsonNode userData, String path) {
        for (JsonNode file : userData.path("write_files")) {
            if (file.path("path").asText().equals(path)) {
                return file.path("content").asText();
            }
        }
        throw new AssertionError("user-data writes no " + path);
    }

    /** Phone-home reaches Metis after the facts unit printed (both wait for cloud-init); bounded. */
    static void awaitProvisioned(Node node) throws Exception {
        JsonNode status = node(node);
        for (int i = 0; i < 300 && !status.get("state").asText().equals("provisioned"); i++) {
            Thread.sleep(1000);
            status = node(node);
        }
        assertThat(status.get("state").asText()).as(status.toString()).isEqualTo("provisioned");
        assertThat(status.get("provisioned_hash").asText()).isEqualTo(status.get("config_hash").asText());
        List<String> events = new ArrayList<>();
        status.get("events").forEach(e -> events.add(e.get("event").asText() + " " + e.path("detail").asText()));
        assertThat(events).as("cloud-init's own reports").anySatisfy(e -> assertThat(e).startsWith("cloud-init init-network SUCCESS"))
                .anySatisfy(e -> assertThat(e).startsWith("cloud-init modules-final/config-scripts-user FAIL"));
    }

    static JsonNode node(Node node) throws Exception {
        return JSON.readTree(lab.curl(NetbootLab.SERVER_URL + "/api/v1/nodes/" + node.name()));
    }

    static String fileSha256(Path file) throws Exception {
        return ExternalTool.runSuccessfully(dir, "sha256sum", file.toString()).output().substring(0, 64);
    }

    static String sha256(String text) {
        return Sha256.hex(text.getBytes(StandardCharsets.UTF_8));
    }
}
