package dev.metis.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.metis.e2e.GuestVm.CloudInit;
import dev.metis.e2e.GuestVm.Firmware;
import dev.metis.files.Sha256;
import dev.metis.testing.ExternalTool;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;

/**
 * The real-OS test base on its own, before Metis is involved: a copy of the golden image, grown to a bigger
 * disk and given a NoCloud seed the way a cloud provider attaches one, boots under BIOS and under UEFI in
 * QEMU on the lab's network, and the guest's own facts show that cloud-init found and applied the seed.
 * One boot per variant: Debian 12's cloud-init under BIOS (net first, then disk), Debian 13's under UEFI.
 */
class GoldenImageIT {

    private static final String BIOS_MAC = "52:54:00:77:00:21";
    private static final String UEFI_MAC = "52:54:00:77:00:22";
    private static final String KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIEuYiiVgm27u4phEbx6afisYcMBueMCtP4ZjC5n+NX8K golden@metis.test";
    private static final String JOURNALD = "[Journal]\nStorage=volatile\n";
    private static final long DISK_BYTES = 3L << 30;
    /** TCG on two busy cores: a boot to cloud-init's end takes two minutes or so, rarely much more. */
    private static final Duration BOOT = Duration.ofMinutes(12);
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dir;

    private static NetbootLab lab;

    @BeforeAll
    static void start() throws Exception {
        lab = NetbootLab.up(dir);
    }

    @AfterAll
    static void stop() throws Exception {
        if (lab != null) {
            lab.close();
        }
    }

    @Test
    void layoutIsACloudImagesWithRoomForASeedAndNoSeedOfItsOwn() throws Exception {
        Path image = GuestVm.goldenImage(CloudInit.BOOKWORM);
        Map<Integer, JsonNode> partitions = partitions(image);

        assertThat(partitions.keySet()).containsExactlyInAnyOrder(1, 14, 15);
        assertThat(partitions.get(14).get("type").asText()).isEqualTo("21686148-6449-6E6F-744E-656564454649");
        assertThat(partitions.get(14).get("start").asLong()).isEqualTo(2048);
        assertThat(partitions.get(15).get("type").asText()).isEqualTo("C12A7328-F81F-11D2-BA4B-00A0C93EC93B");
        assertThat(partitions.get(15).get("start").asLong()).isEqualTo(8192);
        assertThat(partitions.get(15).get("size").asLong()).isEqualTo(262144 - 8192);
        assertThat(partitions.get(15).path("attrs").asText()).contains("LegacyBIOSBootable");
        assertThat(partitions.get(1).get("start").asLong()).as("root last, so that it can grow").isEqualTo(262144);
        assertThat(Files.size(image)).isBetween(1200L << 20, 1300L << 20);

        byte[] head = new byte[2048 * 512];
        try (InputStream in = Files.newInputStream(image)) {
            assertThat(in.readNBytes(head, 0, head.length)).isEqualTo(head.length);
        }
        for (int offset = 34 * 512; offset < head.length; offset++) {
            assertThat(head[offset]).as("byte %d: sectors 34-2047 stay free for a seed", offset).isZero();
        }

        String esp = ExternalTool.runSuccessfully(dir, "mdir", "-/", "-a", "-b", "-i", image + "@@" + 8192 * 512, "::/")
                .output();
        assertThat(esp).contains("::/vmlinuz", "::/initrd.img", "::/EFI/BOOT/BOOTX64.EFI", "::/syslinux/ldlinux.sys")
                .doesNotContainIgnoringCase("user-data").doesNotContainIgnoringCase("meta-data");
    }

    /** Net first, as a netbooted node: the lab has no Metis, so the NIC's boot ends and the disk boots. */
    @Test
    @Execution(ExecutionMode.CONCURRENT)
    void debian12sCloudInitAppliesASeedUnderBios() throws Exception {
        assertThat(lab.siteLeases()).doesNotContain(BIOS_MAC);
        bootsAndAppliesTheSeed(Firmware.BIOS, CloudInit.BOOKWORM, BIOS_MAC, "10.77.0.50", NetbootLab.VM_LINK, true);
        // The guest's address is static: only the NIC's firmware asked the site's DHCP server.
        assertThat(lab.siteLeases()).contains(BIOS_MAC);
    }

    /** Beside the BIOS boot, on the lab's second VM link: one machine per core. */
    @Test
    @Execution(ExecutionMode.CONCURRENT)
    void debian13sCloudInitAppliesASeedUnderUefi() throws Exception {
        bootsAndAppliesTheSeed(Firmware.UEFI, CloudInit.TRIXIE, UEFI_MAC, "10.77.0.51", NetbootLab.SECOND_VM_LINK, false);
    }

    private static void bootsAndAppliesTheSeed(Firmware firmware, CloudInit variant, String mac, String ip, String link,
            boolean netFirst)
            throws Exception {
        Path golden = GuestVm.goldenImage(variant);
        String name = firmware.name().toLowerCase(Locale.ROOT);
        long originalRoot = partitions(golden).get(1).get("size").asLong() * 512;
        Path disk = GuestVm.copyOf(golden, dir.resolve(name + ".raw"), DISK_BYTES);
        Path seed = seed(name, mac, ip);

        long started = System.nanoTime();
        GuestVm.Builder machine = GuestVm.with(disk).firmware(firmware).readOnlyDrive(seed).nic(lab, mac, link);
        try (GuestVm vm = (netFirst ? machine.netThenDisk() : machine).start(dir.resolve(name + "-console.log"))) {
            GuestFacts facts = vm.awaitFacts(BOOT);
            System.out.printf("%s with %s's cloud-init: facts after %d s: %s%n", firmware, variant,
                    Duration.ofNanos(System.nanoTime() - started).toSeconds(), facts);

            assertThat(facts.cloudInitStatus()).as(facts.toString()).isEqualTo("done");
            assertThat(facts.cloudInitErrors()).as(facts.toString()).isEqualTo("[]");
            facts.cloudInitRecoverableErrors().ifPresent(warnings -> assertThat(warnings).isEqualTo("{}"));
            assertThat(facts.datasourcePlatform()).isEqualTo("nocloud");
            assertThat(facts.instanceId()).isEqualTo("golden-" + name);
            assertThat(facts.bootCount()).isEqualTo(1);

            assertThat(facts.hostname()).isEqualTo("golden");
            assertThat(facts.fqdn()).isEqualTo("golden.lab.metis.test");
            assertThat(facts.groupsOf("ops")).contains("sudo");
            assertThat(facts.authorizedKeysSha256("ops")).contains(sha256(KEY + "\n"));
            assertThat(facts.ipv4Addresses()).containsExactly(ip + "/24");
            assertThat(facts.defaultGateway()).isEqualTo("10.77.0.1");
            assertThat(facts.dnsServers()).contains("10.77.0.1");
            assertThat(facts.journaldDropIns()).containsEntry("90-metis.conf", sha256(JOURNALD));
            assertThat(facts.k3sConfigSha256()).isEmpty();

            assertThat(facts.diskBytes()).isEqualTo(DISK_BYTES);
            assertThat(facts.rootPartitionBytes()).as("growpart").isGreaterThan(originalRoot + (1L << 30));
            assertThat(facts.rootFileSystemBytes()).as("resize2fs").isGreaterThan(originalRoot);

            // The address is on the wire, and sshd answers there with the keys cloud-init made.
            ExternalTool.Result banner = lab.inSite("timeout", "20", "bash", "-c",
                    "exec 3<>/dev/tcp/" + ip + "/22 && head -c 8 <&3");
            assertThat(banner.output()).as(banner.all()).isEqualTo("SSH-2.0-");
        }
    }

    /** A NoCloud seed image (ISO 9660, label cidata) as {@code cloud-localds} makes it. */
    private static Path seed(String name, String mac, String ip) throws Exception {
        ExternalTool.require("cloud-localds");
        Path seedDir = Files.createDirectories(dir.resolve("seed-" + name));
        Files.writeString(seedDir.resolve("meta-data"), "instance-id: golden-%s\nlocal-hostname: golden\n".formatted(name));
        Files.writeString(seedDir.resolve("user-data"), """
                #cloud-config
                hostname: golden
                fqdn: golden.lab.metis.test
                manage_etc_hosts: true
                users:
                  - name: ops
                    groups: [sudo]
                    shell: /bin/bash
                    lock_passwd: true
                    ssh_authorized_keys: ["%s"]
                write_files:
                  - path: /etc/systemd/journald.conf.d/90-metis.conf
                    content: |
                %s
                """.formatted(KEY, JOURNALD.indent(6).stripTrailing()));
        Files.writeString(seedDir.resolve("network-config"), """
                version: 2
                ethernets:
                  lan:
                    match: {macaddress: "%s"}
                    addresses: [%s/24]
                    routes: [{to: 0.0.0.0/0, via: 10.77.0.1}]
                    nameservers: {addresses: [10.77.0.1]}
                """.formatted(mac, ip));
        Path iso = seedDir.resolve("seed.iso");
        ExternalTool.runSuccessfully(seedDir, "cloud-localds", "--network-config=network-config", iso.toString(),
                "user-data", "meta-data");
        return iso;
    }

    /** The GPT's partitions by number, as {@code sfdisk --json} reads them. */
    private static Map<Integer, JsonNode> partitions(Path image) throws Exception {
        JsonNode table = JSON.readTree(ExternalTool.runSuccessfully(dir, "sfdisk", "--json", image.toString()).output());
        Map<Integer, JsonNode> byNumber = new HashMap<>();
        for (JsonNode partition : table.path("partitiontable").path("partitions")) {
            String node = partition.get("node").asText();
            byNumber.put(Integer.parseInt(node.substring(image.toString().length())), partition);
        }
        return byNumber;
    }

    private static String sha256(String text) {
        return Sha256.hex(text.getBytes(StandardCharsets.UTF_8));
    }
}
