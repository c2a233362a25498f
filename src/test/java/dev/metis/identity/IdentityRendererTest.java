package dev.metis.identity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.metis.inventory.Inventory;
import dev.metis.inventory.InventoryLoader;
import dev.metis.inventory.Mappers;
import dev.metis.secrets.NodeSecrets;
import dev.metis.secrets.Secret;
import dev.metis.testing.InventoryFixture;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IdentityRendererTest {

    @TempDir
    Path dir;

    private static final PhoneHomeKeys KEYS = new PhoneHomeKeys(new byte[32]);
    private static final NodeSecrets SECRETS = new NodeSecrets(Optional.of(Secret.of("tok-123")),
            Optional.of(Secret.of("$6$salt$hash")), Map.of("wifi", Secret.of("psk-456")));

    private Inventory load(String nodesYaml) throws Exception {
        return InventoryLoader.load(InventoryFixture.write(dir, "inventory.yaml", InventoryFixture.site(null) + """
                classes:
                  net:
                    arch: amd64
                    delivery: netboot
                    gateway: 192.0.2.1
                    netboot: {kernel: debian/vmlinuz, initrd: [debian/initrd.gz, http://mirror.example/fw.cpio], cmdline: console=ttyS0}
                    users: {ops: {groups: [sudo], password: true}}
                    k3s:
                      role: agent
                      labels: {zone: a, tier: web}
                      taints: {dedicated: "db:NoSchedule", gpu: NoExecute}
                    files:
                      /etc/metis-wifi:
                        content: "{{hostname}} {{ip}} {{secrets.extra.wifi}}\\n"
                        permissions: "0600"
                """ + nodesYaml.stripIndent()));
    }

    private static final String NODE = """
            nodes:
              web-1: {class: net, mac: 02:00:00:00:00:01, ip: 192.0.2.21/24}
            """;

    private NodeIdentity render(Inventory inventory, NodeSecrets secrets) {
        return new IdentityRenderer(inventory.site(), KEYS).render(inventory.node("web-1").orElseThrow(), secrets);
    }

    @Test
    void renderingIsDeterministic() throws Exception {
        Inventory inventory = load(NODE);
        NodeIdentity first = render(inventory, SECRETS);
        NodeIdentity second = render(load(NODE), SECRETS);
        for (Artifact artifact : Artifact.values()) {
            assertThat(second.bytes(artifact)).as(artifact.fileName()).isEqualTo(first.bytes(artifact));
        }
    }

    /**
     * cloud-init 22.4 never fetches network-config from an HTTP seed: the boot files carry it on the kernel
     * command line, gzipped and base64 as cloud-init decodes it, and it must be the seed's own file.
     */
    @Test
    void bootFilesCarryTheSeedsNetworkConfigOnTheCommandLine() throws Exception {
        NodeIdentity identity = render(load(NODE), SECRETS);
        for (Artifact artifact : new Artifact[] {Artifact.IPXE, Artifact.PI_CMDLINE}) {
            java.util.regex.Matcher argument = java.util.regex.Pattern.compile(" network-config=([A-Za-z0-9+/=]+)\n")
                    .matcher(identity.text(artifact));
            assertThat(argument.find()).as(identity.text(artifact)).isTrue();
            byte[] gzipped = java.util.Base64.getDecoder().decode(argument.group(1));
            try (var in = new java.util.zip.GZIPInputStream(new java.io.ByteArrayInputStream(gzipped))) {
                assertThat(in.readAllBytes()).as(artifact.fileName()).isEqualTo(identity.bytes(Artifact.NETWORK_CONFIG));
            }
        }
    }

    @Test
    void theIpxeScriptBootsTheKernelWithNamedInitrdsAndTheSeedUrl() throws Exception {
        String script = render(load(NODE), SECRETS).text(Artifact.IPXE);
        assertThat(script).startsWith("#!ipxe\n").endsWith("boot\n");
        assertThat(script).contains("kernel http://192.0.2.2:8080/assets/debian/vmlinuz initrd=initrd.gz initrd=fw.cpio "
                + "console=ttyS0 ds=nocloud-net;s=http://192.0.2.2:8080/nocloud/02:00:00:00:00:01/ network-config=");
        assertThat(script).contains("initrd --name initrd.gz http://192.0.2.2:8080/assets/debian/initrd.gz\n");
        assertThat(script).contains("initrd --name fw.cpio http://mirror.example/fw.cpio\n");
    }

    /** Given by URL with a hash, the kernel and initrd come from Metis's cache, under their hash and own name. */
    @Test
    void aKernelAndInitrdByUrlAndHashAreFetchedFromMetis() throws Exception {
        String kernel = "a".repeat(64);
        String initrd = "b".repeat(64);
        String script = render(load("""
                nodes:
                  web-1:
                    class: net
                    mac: 02:00:00:00:00:01
                    ip: 192.0.2.21/24
                    netboot:
                      kernel: {url: https://deb.example/netboot/linux, sha256: %s}
                      initrd: [{url: "https://deb.example/netboot/initrd.gz?v=2", sha256: %s}, debian/fw.cpio]
                """.formatted(kernel, initrd)), SECRETS).text(Artifact.IPXE);
        assertThat(script).contains("kernel http://192.0.2.2:8080/fetched/" + kernel + "/linux initrd=initrd.gz initrd=fw.cpio ");
        assertThat(script).contains("initrd --name initrd.gz http://192.0.2.2:8080/fetched/" + initrd + "/initrd.gz\n");
        assertThat(script).contains("initrd --name fw.cpio http://192.0.2.2:8080/assets/debian/fw.cpio\n");
        assertThat(script).doesNotContain("deb.example");
    }

    @Test
    void aSeedTokenChangesOnlyTheSeedUrlOfTheScriptAndCmdline() throws Exception {
        Inventory inventory = load(NODE);
        var node = inventory.node("web-1").orElseThrow();
        IdentityRenderer renderer = new IdentityRenderer(inventory.site(), KEYS);
        NodeIdentity identity = renderer.render(node, SECRETS);
        String untokened = "/nocloud/02:00:00:00:00:01/";
        String tokened = "/nocloud/02:00:00:00:00:01/Tok-en_1/";
        for (Artifact artifact : new Artifact[] {Artifact.IPXE, Artifact.PI_CMDLINE}) {
            String withToken = new String(renderer.bootFile(node, artifact, identity.configHash(), "Tok-en_1"),
                    java.nio.charset.StandardCharsets.UTF_8);
            assertThat(withToken).as(artifact.fileName()).contains("ds=nocloud-net;s=http://192.0.2.2:8080" + tokened)
                    .isEqualTo(identity.text(artifact).replace(untokened, tokened));
        }
        assertThatThrownBy(() -> renderer.bootFile(node, Artifact.USER_DATA, identity.configHash(), "t"))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void metaDataCarriesAnInstanceIdDerivedFromTheConfig() throws Exception {
        NodeIdentity identity = render(load(NODE), SECRETS);
        Map<String, Object> meta = Mappers.yaml().readValue(identity.bytes(Artifact.META_DATA), new com.fasterxml.jackson.core.type.TypeReference<Map<String, Object>>() { });
        assertThat(meta).containsEntry("instance-id", identity.instanceId()).containsEntry("local-hostname", "web-1");
        assertThat(identity.instanceId()).isEqualTo("metis-" + identity.configHash().substring(0, 16));

        NodeIdentity changed = render(load(NODE.replace("192.0.2.21/24", "192.0.2.22/24")), SECRETS);
        assertThat(changed.instanceId()).isNotEqualTo(identity.instanceId());
    }

    @Test
    void theConfigHashDoesNotDependOnSecretValues() throws Exception {
        Inventory inventory = load(NODE);
        NodeSecrets rotated = new NodeSecrets(Optional.of(Secret.of("other")), SECRETS.sshPassword(), SECRETS.extra());
        assertThat(render(inventory, rotated).configHash()).isEqualTo(render(inventory, SECRETS).configHash());
    }

    @Test
    void theConfigHashAndPublicFilesDependOnTheInventoryAlone() throws Exception {
        Inventory inventory = load(NODE);
        NodeIdentity full = render(inventory, SECRETS);
        NodeSecrets fewer = new NodeSecrets(Optional.empty(), Optional.empty(), Map.of("wifi", Secret.of("x")),
                Optional.of(Secret.of("packages: [htop]")));
        assertThat(render(inventory, fewer).configHash()).isEqualTo(full.configHash());
        NodeIdentity shared = new IdentityRenderer(inventory.site(), KEYS).renderPublic(inventory.node("web-1").orElseThrow());
        assertThat(shared.configHash()).isEqualTo(full.configHash());
        for (Artifact artifact : Artifact.values()) {
            if (artifact.carriesSecrets()) {
                assertThatThrownBy(() -> shared.bytes(artifact)).isInstanceOf(IllegalStateException.class)
                        .hasMessage(artifact + " of node web-1 was rendered without its secrets");
            } else {
                assertThat(shared.bytes(artifact)).as(artifact.fileName()).isEqualTo(full.bytes(artifact));
            }
        }
    }

    /**
     * The k3s install step fails when the installer cannot be downloaded, so cloud-init reports it (and the
     * node's timeline shows it); run here with a stand-in curl, in the shell cloud-init's runcmd uses.
     */
    @Test
    void theK3sInstallFailsWhenItsInstallerCannotBeDownloaded(@org.junit.jupiter.api.io.TempDir java.nio.file.Path bin)
            throws Exception {
        Map<?, ?> doc = Mappers.yaml().readValue(render(load(NODE), SECRETS).text(Artifact.USER_DATA), Map.class);
        java.util.List<?> install = (java.util.List<?>) ((java.util.List<?>) doc.get("runcmd")).get(0);
        assertThat(install.subList(0, 2)).isEqualTo(java.util.List.of("sh", "-c"));
        java.nio.file.Path curl = bin.resolve("curl");
        java.nio.file.Files.writeString(curl, "#!/bin/sh\necho 'curl: (6) Could not resolve host: get.k3s.io' >&2\nexit 6\n");
        curl.toFile().setExecutable(true);
        ProcessBuilder offline = new ProcessBuilder("/bin/sh", "-c", install.get(2).toString()).redirectErrorStream(true);
        offline.environment().put("PATH", bin + ":/usr/bin:/bin");
        Process run = offline.start();
        run.getInputStream().readAllBytes();
        assertThat(run.waitFor()).as("an install whose download failed").isNotZero();
    }

    private static NodeSecrets withCloudInit(String yaml) {
        return new NodeSecrets(SECRETS.k3sToken(), SECRETS.sshPassword(), SECRETS.extra(), Optional.of(Secret.of(yaml)));
    }

    @Test
    void extraCloudConfigAddsKeysMergesMappingsAndAppendsToLists() throws Exception {
        String userData = render(load(NODE), withCloudInit("""
                bootcmd: [echo early]
                runcmd: [echo extra]
                write_files: [{path: /etc/extra, content: "x"}]
                ntp: {pools: [pool.example]}
                """)).text(Artifact.USER_DATA);
        Map<?, ?> doc = Mappers.yaml().readValue(userData, Map.class);
        assertThat(doc.get("bootcmd")).isEqualTo(java.util.List.of("echo early"));
        java.util.List<?> runcmd = (java.util.List<?>) doc.get("runcmd");
        assertThat(runcmd.get(runcmd.size() - 1)).isEqualTo("echo extra");
        assertThat(runcmd.get(0).toString()).startsWith("[sh, -c, command -v k3s");
        java.util.List<?> files = (java.util.List<?>) doc.get("write_files");
        assertThat(files.get(files.size() - 1).toString()).isEqualTo("{path=/etc/extra, content=x}");
        // this site sets no NTP, so the extra ntp mapping is added as it is, after Metis's keys
        assertThat(doc.keySet().stream().map(Object::toString).toList()).endsWith("phone_home", "reporting", "bootcmd", "ntp");
        assertThat(doc.get("ntp")).isEqualTo(Map.of("pools", java.util.List.of("pool.example")));
    }

    @Test
    void extraCloudConfigCannotChangeWhatMetisSets() throws Exception {
        Inventory inventory = load(NODE);
        assertThatThrownBy(() -> render(inventory, withCloudInit("""
                hostname: secret-host-1f2e
                ssh_pwauth: true
                users: {ops: {shell: /bin/secret-sh}}
                phone_home: {tries: 99}
                write_files: [{path: /etc/rancher/k3s/config.yaml, content: secret-content-7a}]
                packages: [fine]
                """)))
                .isInstanceOf(IdentityException.class)
                .hasMessage("node web-1: cloud_init from the secret source may only add to what Metis renders; refused: "
                        + "'hostname' (set by Metis), 'ssh_pwauth' (set by Metis), "
                        + "'users' (a different kind of value than Metis's), 'phone_home.tries' (set by Metis), "
                        + "'write_files[0]' (a file Metis writes)");
    }

    /** web-1 with {@code cloud_init} on its class and on itself; {@code nodeCloudInit} is a flow mapping. */
    private Inventory loadWithCloudInit(String classCloudInit, String nodeCloudInit) throws Exception {
        return InventoryLoader.load(InventoryFixture.write(dir, "inventory.yaml", InventoryFixture.site(null) + """
                classes:
                  net:
                    arch: amd64
                    delivery: netboot
                    netboot: {kernel: debian/vmlinuz}
                    k3s: {role: agent}
                    cloud_init:
                %s
                nodes:
                  web-1:
                    class: net
                    mac: 02:00:00:00:00:01
                    ip: 192.0.2.21/24
                    cloud_init: %s
                """.formatted(classCloudInit.stripIndent().indent(6).stripTrailing(), nodeCloudInit)));
    }

    private static final String CLASS_CLOUD_INIT = """
            package_upgrade: yes
            bootcmd: [echo class]
            apt: {preserve_sources_list: true, conf: "APT::Retries 3;"}
            write_files: [{path: /etc/class-file, permissions: "0644", content: x}]
            """;

    @Test
    void inventoryCloudInitMergesAcrossLayersByTheInventoryRulesAndOnlyAddsToUserData() throws Exception {
        Inventory inventory = loadWithCloudInit(CLASS_CLOUD_INIT,
                "{bootcmd: [echo node], apt: {conf: null}, runcmd: [echo node-run], resize_rootfs: \"true\", ssh_keys: {}}");
        String userData = render(inventory, SECRETS).text(Artifact.USER_DATA);
        Map<?, ?> doc = Mappers.yaml().readValue(userData, Map.class);
        // the node's list replaces the class's, its null removes the class's apt.conf
        assertThat(doc.get("bootcmd")).isEqualTo(java.util.List.of("echo node"));
        assertThat(doc.get("apt")).isEqualTo(Map.of("preserve_sources_list", true));
        // YAML 1.1 types, as cloud-init reads them: plain yes is a boolean, a quoted "true" stays text
        assertThat(userData).contains("\npackage_upgrade: true\n", "\nresize_rootfs: \"true\"\n");
        java.util.List<?> runcmd = (java.util.List<?>) doc.get("runcmd");
        assertThat(runcmd.get(0).toString()).startsWith("[sh, -c, command -v k3s");
        assertThat(runcmd.get(runcmd.size() - 1)).isEqualTo("echo node-run");
        java.util.List<?> files = (java.util.List<?>) doc.get("write_files");
        assertThat(files.get(0).toString()).contains("path=/etc/rancher/k3s/config.yaml");
        assertThat(files.get(files.size() - 1).toString()).contains("path=/etc/class-file");
        assertThat(doc.keySet().stream().map(Object::toString).toList())
                .startsWith("hostname", "fqdn").contains("phone_home", "package_upgrade", "bootcmd", "apt");
        // the inventory's cloud_init is configuration: it is in the config hash, unlike the secret source's
        assertThat(render(inventory, SECRETS).configHash()).isNotEqualTo(
                render(loadWithCloudInit(CLASS_CLOUD_INIT, "{}"), SECRETS).configHash());
    }

    @Test
    void inventoryCloudInitCannotChangeWhatMetisSetsAndSaysWhereItWasWritten() throws Exception {
        Inventory inventory = loadWithCloudInit("""
                hostname: other
                bootcmd: [echo fine]
                """, "{phone_home: {tries: 99}, write_files: [{path: /etc/rancher/k3s/config.yaml, content: x}]}");
        int classLine = lineOf("hostname: other");
        int nodeLine = lineOf("cloud_init: {phone_home");
        assertThatThrownBy(() -> render(inventory, SECRETS))
                .isInstanceOf(IdentityException.class)
                .hasMessage("node web-1: cloud_init may only add to what Metis renders; refused: "
                        + "'hostname' (set by Metis) in class net (inventory.yaml:" + classLine + ":17), "
                        + "'phone_home.tries' (set by Metis) in node web-1 (inventory.yaml:" + nodeLine + ":38), "
                        + "'write_files[0]' (a file Metis writes) in node web-1 (inventory.yaml:" + nodeLine + ":56)");
        // the hash is of the inventory's configuration, so the public files fail alike
        assertThatThrownBy(() -> new IdentityRenderer(inventory.site(), KEYS).renderPublic(inventory.node("web-1").orElseThrow()))
                .isInstanceOf(IdentityException.class).hasMessageContaining("'hostname' (set by Metis)");
    }

    private int lineOf(String text) throws Exception {
        return (int) java.nio.file.Files.readAllLines(dir.resolve("inventory.yaml")).stream()
                .takeWhile(l -> !l.contains(text)).count() + 1;
    }

    @Test
    void theSecretSourcesCloudInitComesAfterTheInventorysAndMayOnlyAddToItToo() throws Exception {
        Inventory inventory = loadWithCloudInit(CLASS_CLOUD_INIT, "{}");
        Map<?, ?> doc = Mappers.yaml().readValue(render(inventory, withCloudInit("bootcmd: [echo vault]"))
                .text(Artifact.USER_DATA), Map.class);
        assertThat(doc.get("bootcmd")).isEqualTo(java.util.List.of("echo class", "echo vault"));
        assertThatThrownBy(() -> render(inventory, withCloudInit("package_upgrade: false")))
                .isInstanceOf(IdentityException.class)
                .hasMessage("node web-1: cloud_init from the secret source may only add to what Metis renders; "
                        + "refused: 'package_upgrade' (set by Metis)");
    }

    @Test
    void redactedExtraCloudConfigKeepsItsShapeOnly() throws Exception {
        String userData = render(load(NODE), withCloudInit("runcmd: [echo secret-cmd-8b]\nbootcmd: [echo x]").redacted())
                .text(Artifact.USER_DATA);
        assertThat(userData).doesNotContain("secret-cmd-8b").contains("bootcmd:\n  - <redacted>");
    }

    @Test
    void k3sConfigHasServerTokenLabelsAndTaints() throws Exception {
        Map<String, Object> k3s = Mappers.yaml().readValue(render(load(NODE), SECRETS).bytes(Artifact.K3S_CONFIG), new com.fasterxml.jackson.core.type.TypeReference<Map<String, Object>>() { });
        assertThat(k3s).containsEntry("server", "https://192.0.2.10:6443").containsEntry("token", "tok-123")
                .containsEntry("node-name", "web-1").containsEntry("node-ip", "192.0.2.21");
        assertThat(k3s.get("node-label")).isEqualTo(java.util.List.of("zone=a", "tier=web"));
        assertThat(k3s.get("node-taint")).isEqualTo(java.util.List.of("dedicated=db:NoSchedule", "gpu:NoExecute"));
    }

    @Test
    void userDataWritesTheK3sConfigAndTemplatedFilesWithSecrets() throws Exception {
        NodeIdentity identity = render(load(NODE), SECRETS);
        String userData = identity.text(Artifact.USER_DATA);
        assertThat(userData).startsWith("#cloud-config\n");
        Map<?, ?> doc = Mappers.yaml().readValue(userData, Map.class);
        assertThat(doc.get("ssh_pwauth")).isEqualTo(false);
        assertThat(doc.toString()).contains("hashed_passwd=$6$salt$hash").contains("web-1 192.0.2.21 psk-456\n")
                .contains("path=/etc/rancher/k3s/config.yaml, owner=root:root, permissions=0600")
                .contains("url=http://192.0.2.2:8080/phone-home/02:00:00:00:00:01");
        assertThat(userData).contains(new String(identity.bytes(Artifact.K3S_CONFIG)).lines().findFirst().orElseThrow());
    }

    @Test
    void redactedSecretsNeverShowTheirValues() throws Exception {
        NodeIdentity identity = render(load(NODE), SECRETS.redacted());
        for (Artifact artifact : Artifact.values()) {
            assertThat(identity.text(artifact)).doesNotContain("tok-123", "psk-456", "$6$salt$hash");
        }
        assertThat(identity.text(Artifact.USER_DATA)).contains("token: <redacted>");
    }

    @Test
    void aTemplateNamingAnUnknownFieldFailsWithTheNodeAndFile() throws Exception {
        Inventory inventory = load("""
                nodes:
                  web-1:
                    class: net
                    mac: 02:00:00:00:00:01
                    ip: 192.0.2.21/24
                    files: {/etc/x: {content: "{{no_such_field}}"}}
                """);
        assertThatThrownBy(() -> render(inventory, SECRETS))
                .isInstanceOf(IdentityException.class)
                .hasMessageContaining("node web-1: files./etc/x:").hasMessageContaining("no_such_field");
    }

    @Test
    void networkConfigMatchesTheNicByMacAndRoutesThroughTheGateway() throws Exception {
        Map<?, ?> net = Mappers.yaml().readValue(render(load(NODE), SECRETS).bytes(Artifact.NETWORK_CONFIG), Map.class);
        assertThat(net.toString()).isEqualTo("{version=2, ethernets={eth0={match={macaddress=02:00:00:00:00:01}, "
                + "set-name=eth0, dhcp4=false, addresses=[192.0.2.21/24], routes=[{to=0.0.0.0/0, via=192.0.2.1}], "
                + "nameservers={search=[t.example], addresses=[192.0.2.1]}}}}");
    }

    @Test
    void aNodeWithoutIpGetsItsAddressByDhcpAndK3sFindsItsOwn() throws Exception {
        NodeIdentity identity = render(load("""
                nodes:
                  web-1: {class: net, mac: 02:00:00:00:00:01, gateway: null}
                """), SECRETS);
        Map<?, ?> net = Mappers.yaml().readValue(identity.bytes(Artifact.NETWORK_CONFIG), Map.class);
        assertThat(net.toString()).isEqualTo("{version=2, ethernets={eth0={match={macaddress=02:00:00:00:00:01}, "
                + "set-name=eth0, dhcp4=true, nameservers={search=[t.example], addresses=[192.0.2.1]}}}}");
        Map<String, Object> k3s = Mappers.yaml().readValue(identity.bytes(Artifact.K3S_CONFIG),
                new com.fasterxml.jackson.core.type.TypeReference<Map<String, Object>>() { });
        assertThat(k3s).containsEntry("node-name", "web-1").doesNotContainKey("node-ip");
        assertThat(identity.text(Artifact.USER_DATA)).contains("web-1  psk-456\n");
    }

    @Test
    void userDataCarriesTheNodesPhoneHomeKeyWhichTheConfigHashIgnores() throws Exception {
        Inventory inventory = load(NODE);
        var node = inventory.node("web-1").orElseThrow();
        byte[] otherSite = new byte[32];
        otherSite[0] = 1;
        NodeIdentity one = new IdentityRenderer(inventory.site(), KEYS).render(node, SECRETS);
        NodeIdentity other = new IdentityRenderer(inventory.site(), new PhoneHomeKeys(otherSite)).render(node, SECRETS);
        String key = KEYS.keyFor("web-1").reveal();
        assertThat(key).matches("[A-Za-z0-9_-]{43}");
        assertThat(new String(one.bytes(Artifact.USER_DATA), java.nio.charset.StandardCharsets.UTF_8))
                .contains("url: http://192.0.2.2:8080/phone-home/02:00:00:00:00:01/" + key + "\n");
        assertThat(one.bytes(Artifact.USER_DATA)).isNotEqualTo(other.bytes(Artifact.USER_DATA));
        assertThat(one.configHash()).isEqualTo(other.configHash());
        assertThat(one.instanceId()).isEqualTo(other.instanceId());
        assertThat(new String(new IdentityRenderer(inventory.site(), PhoneHomeKeys.REDACTED).render(node, SECRETS)
                .bytes(Artifact.USER_DATA), java.nio.charset.StandardCharsets.UTF_8))
                .contains("/phone-home/02:00:00:00:00:01/<redacted>").doesNotContain(key);
        assertThat(KEYS.keyFor("web-2").reveal()).isNotEqualTo(key);
        assertThat(KEYS.opens("web-1", key)).isTrue();
        assertThat(KEYS.opens("web-2", key)).isFalse();
        assertThat(PhoneHomeKeys.REDACTED.opens("web-1", "<redacted>")).isFalse();
    }
}
