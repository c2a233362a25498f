package dev.metis.inventory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.metis.testing.Cli;
import dev.metis.testing.InventoryFixture;
import java.io.RandomAccessFile;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class InventoryErrorsTest {

    @TempDir
    Path dir;

    /** A dozen different mistakes; each line number below is where the mistake is written. */
    private static final String TWELVE_MISTAKES = """
            site:
              name: broken
              server_url: http://192.0.2.2:8080
              k3s_server: https://192.0.2.10:6443
              dns: 192.0.2.1
            classes:
              base:
                arch: sparc
                delivery: sdcard
                image: {path: a.img, sha256: "%s"}
                k3s: {role: agent, labls: {a: b}}
              loop-a: {extends: loop-b}
              loop-b: {extends: loop-a}
            nodes:
              n1: {class: base, mac: 02:00:00:00:00:01, ip: 192.0.2.21/24}
              n2: {class: base, mac: 02:00:00:00:00:01, ip: 192.0.2.22/24}
              n3: {class: base, mac: zz:00:00:00:00:03, ip: 192.0.2.21/24}
              n4: {class: bsae, mac: 02:00:00:00:00:04, ip: 192.0.2.24/24}
              n5: {class: base, mac: 02:00:00:00:00:05, ip: 192.0.2.300/24}
              n6: {class: base, mac: 02:00:00:00:00:06, gateway: 192.0.2.1}
              n7: {class: base, mac: 02:00:00:00:00:07, ip: 192.0.2.27/24, hostname: n1}
              n8: {class: base, mac: 02:00:00:00:00:08, ip: 192.0.2.28, users: [ops]}
            """.formatted("c".repeat(64));

    @Test
    void everyMistakeIsReportedAtItsFileLineAndColumn() throws Exception {
        Path file = InventoryFixture.write(dir, "inventory.yaml", TWELVE_MISTAKES);
        InvalidInputException e = org.junit.jupiter.api.Assertions.assertThrows(InvalidInputException.class,
                () -> InventoryLoader.load(file));
        List<String> expected = List.of(
                "5:8: site.dns: expected a list, got a scalar",
                "8:11: classes.base.arch: expected one of amd64, arm64, got 'sparc'",
                "11:24: classes.base.k3s: unknown field 'labls' (did you mean 'labels'?)",
                "12:12: classes.loop-a.extends: cycle loop-a -> loop-b -> loop-a",
                "16:26: nodes.n2: MAC address 02:00:00:00:00:01 is already used by node 'n1' (" + file + ":15:3)",
                "17:26: nodes.n3.mac: 'zz:00:00:00:00:03' is not a MAC address",
                "17:49: nodes.n3: IP address 192.0.2.21 is already used by node 'n1'",
                "18:15: nodes.n4.class: unknown class 'bsae' (did you mean 'base'?)",
                "19:49: nodes.n5.ip: '192.0.2.300' is not an IPv4 address",
                "20:54: nodes.n6.gateway: a node without 'ip' gets its route by DHCP; remove the gateway",
                "21:74: nodes.n7: hostname n1 is already used by node 'n1'",
                "22:49: nodes.n8.ip: '192.0.2.28' is not an address in CIDR form",
                "22:68: nodes.n8.users: expected a mapping, got a list");
        assertThat(e.problems()).hasSize(expected.size());
        for (String problem : expected) {
            assertThat(e.problems()).extracting(Problem::toString)
                    .anySatisfy(p -> assertThat(p).startsWith(file + ":" + problem));
        }
    }

    /** A netbooting amd64 node with an image installs it: on the disk it names, and only such a node. */
    @Test
    void anInstallNeedsItsDiskAndOnlyAnInstallingNodeNamesOne() throws Exception {
        Path file = InventoryFixture.write(dir, "inventory.yaml", """
                site: {name: s, server_url: http://192.0.2.2:8080}
                classes:
                  disk:
                    arch: amd64
                    delivery: netboot
                    image: {path: a.img, sha256: "%s"}
                  pi: {arch: arm64, delivery: sdcard, image: {path: a.img, sha256: "%s"}}
                nodes:
                  d1: {class: disk, mac: 02:00:00:00:00:01, install: {disk: /dev/disk/by-id/nvme-X_1}}
                  d2: {class: disk, mac: 02:00:00:00:00:02}
                  d3: {class: disk, mac: 02:00:00:00:00:03, install: {disk: "sda; rm -rf /"}}
                  d4: {class: disk, mac: 02:00:00:00:00:04, install: {disk: auto}}
                  p1: {class: pi, mac: 02:00:00:00:00:05, install: {disk: /dev/mmcblk0}}
                """.formatted("c".repeat(64), "c".repeat(64)));
        InvalidInputException e = org.junit.jupiter.api.Assertions.assertThrows(InvalidInputException.class,
                () -> InventoryLoader.load(file));
        assertThat(e.problems()).extracting(Problem::toString).satisfiesExactlyInAnyOrder(
                p -> assertThat(p).startsWith(file + ":6:19: nodes.d2: a netboot node with an image installs it to disk: "
                        + "set install.disk"),
                p -> assertThat(p).startsWith(file + ":11:61: nodes.d3.install.disk: 'sda; rm -rf /' is neither a /dev path"),
                p -> assertThat(p).startsWith(file + ":13:59: nodes.p1.install: only a netbooting amd64 node with an image "
                        + "installs (delivery sdcard, arch arm64, image set)"));
    }

    @Test
    void theCommandLineListsThemAllAndExitsWithOne() throws Exception {
        Path file = InventoryFixture.write(dir, "inventory.yaml", TWELVE_MISTAKES);
        Cli.Run run = Cli.run("inventory", "check", "--inventory", file.toString());
        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.err().lines().filter(l -> l.startsWith(file + ":"))).hasSize(13);
        assertThat(run.err()).contains("13 problems");
    }

    /** Found by InventoryFuzzer: SnakeYAML rejects this tag with an IllegalArgumentException, not a YAMLException. */
    @Test
    void parserFailuresOfAnyKindAreInventoryProblems() throws Exception {
        Path file = InventoryFixture.write(dir, "inventory.yaml", "{!1%+F");
        assertThatThrownBy(() -> InventoryLoader.load(file)).isInstanceOf(InvalidInputException.class)
                .hasMessageContaining(file.toString());
    }

    @Test
    void syntaxErrorsNameTheirPlace() throws Exception {
        Path file = InventoryFixture.write(dir, "inventory.yaml", "site:\n  name: [unclosed\nnodes: {}\n");
        assertThatThrownBy(() -> InventoryLoader.load(file))
                .isInstanceOfSatisfying(InvalidInputException.class, e -> assertThat(e.problems().get(0).toString())
                        .startsWith(file + ":3:").contains("YAML syntax"));
    }

    /** A valid inventory of one node, for the indentation mistakes below. */
    private static final String ONE_NODE = """
            site:
              name: lab
              server_url: http://192.0.2.2:8080
            classes:
              net:
                arch: amd64
                delivery: netboot
                netboot: {kernel: k}
            nodes:
              web-1:
                class: net
                mac: 02:00:00:00:00:01
                ip: 192.0.2.21/24
            """;

    private List<String> problems(String yaml) throws Exception {
        Path file = InventoryFixture.write(dir, "inventory.yaml", yaml);
        InvalidInputException e = org.junit.jupiter.api.Assertions.assertThrows(InvalidInputException.class,
                () -> InventoryLoader.load(file));
        return e.problems().stream().map(p -> p.toString().substring(file.toString().length() + 1)).toList();
    }

    @Test
    void aLineIndentedTooFarOrNotFarEnoughIsNamedAsTheLikelyCauseAndTheOtherProblemsAreStillListed() throws Exception {
        String withTypo = ONE_NODE.replace("class: net", "class: nett");
        assertThat(problems(withTypo.replace("  server_url:", "   server_url:"))).containsExactly(
                "3:14: YAML syntax: mapping values are not allowed here; indentation is the likely cause: this line is "
                        + "indented by 3 spaces, and the file reads as YAML with 2",
                "11:12: nodes.web-1.class: unknown class 'nett' (did you mean 'net'?)");
        assertThat(problems(withTypo.replace("    mac:", "   mac:"))).containsExactly(
                "11:12: nodes.web-1.class: unknown class 'nett' (did you mean 'net'?)",
                "12:4: YAML syntax: expected <block end>, but found '<block mapping start>'; indentation is the likely "
                        + "cause: this line is indented by 3 spaces, and the file reads as YAML with 4");
    }

    @Test
    void aSyntaxErrorThatNoIndentationMendsGetsNoSuchHint() throws Exception {
        assertThat(problems(ONE_NODE.replace("kernel: k}", "kernel: k"))).singleElement()
                .satisfies(problem -> assertThat(problem).contains("YAML syntax").doesNotContain("indent"));
    }

    @Test
    void aFieldIndentedAsFarAsTheNodesIsNamedAsOne() throws Exception {
        assertThat(problems(ONE_NODE.replace("    ip:", "  ip:"))).contains("13:7: nodes.ip: expected a mapping, got a "
                + "scalar; 'ip' is a field of a node: if it belongs to the node above, indent it as far as that node's "
                + "other fields");
    }

    @Test
    void aSecretsFileIndentationErrorIsNamedWithoutItsValues() throws Exception {
        Path secrets = InventoryFixture.write(dir, "secrets.yaml", """
                nodes:
                  web-1:
                    k3s_token: K10-secret-value
                     ssh_password: hunter2-secret
                """);
        java.nio.file.Files.setPosixFilePermissions(secrets, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        Path file = InventoryFixture.write(dir, "inventory.yaml", ONE_NODE.replace("  server_url:",
                "  secrets: {source: file, file: secrets.yaml}\n  server_url:"));
        Cli.Run run = Cli.run("inventory", "check", "--inventory", file.toString());
        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.err()).contains(secrets + ":4:").contains("indentation is the likely cause: this line is indented by "
                + "5 spaces, and the file reads as YAML with 4").doesNotContain("secret-value").doesNotContain("hunter2");
    }

    @Test
    void aRecursiveAliasIsAProblemAtItsAnchorNotAStackOverflow() throws Exception {
        Path file = InventoryFixture.write(dir, "inventory.yaml", "site: {name: x}\n" + InventoryFixture.RECURSIVE_ALIAS);
        assertThatThrownBy(() -> InventoryLoader.load(file)).isInstanceOf(InvalidInputException.class)
                .hasMessage(file + ":2:7: YAML: recursive alias: the node anchored here contains an alias of itself");
    }

    /** A few lines that would unfold to more values than the heap holds are refused once they pass the bound. */
    @Test
    void anAliasBombIsRefusedAtItsEntryBeforeItFillsTheHeap() throws Exception {
        Path file = InventoryFixture.write(dir, "inventory.yaml", "site: {name: x}\n" + InventoryFixture.aliasBomb("bomb"));
        assertThatThrownBy(() -> InventoryLoader.load(file)).isInstanceOf(InvalidInputException.class)
                .hasMessage(file + ":2:1: YAML: the document unfolds to more than " + YamlReader.MAX_VALUES
                        + " values (aliases repeating large parts?) within this entry");
    }

    /** SnakeYAML's own graph of a long file is bounded as it is read, like an alias bomb's unfolding. */
    @Test
    void aLongFileIsRefusedAtTheValueThatPassesTheBound() throws Exception {
        Path file = InventoryFixture.write(dir, "inventory.yaml", "site: {name: x}\nbig:\n" + "  - x\n".repeat(YamlReader.MAX_VALUES));
        assertThatThrownBy(() -> InventoryLoader.load(file)).isInstanceOf(InvalidInputException.class)
                // seven before the first item (the root, site, its mapping, name, x, big, the list), on line 2
                .hasMessage(file + ":" + (YamlReader.MAX_VALUES + 1 - 7 + 2) + ":5: YAML: the document has more than "
                        + YamlReader.MAX_VALUES + " keys and values");
    }

    /** Refused before it is read: a file bigger than the heap would end the process. */
    @Test
    void aFileOfMoreBytesThanADocumentMayHaveIsNotRead() throws Exception {
        Path file = dir.resolve("inventory.yaml");
        try (RandomAccessFile sparse = new RandomAccessFile(file.toFile(), "rw")) {
            sparse.setLength(4L << 30);
        }
        assertThatThrownBy(() -> InventoryLoader.load(file)).isInstanceOf(InvalidInputException.class)
                .hasMessage(file + ":1:1: YAML: the file has " + (4L << 30) + " bytes, more than the "
                        + YamlReader.MAX_BYTES + " a document may have");
    }

    @Test
    void aliasesWithinTheBoundStillUnfold() throws Exception {
        Path file = InventoryFixture.write(dir, "inventory.yaml", InventoryFixture.site(null) + """
                classes:
                  c: {arch: amd64, delivery: netboot, netboot: {kernel: k}, dns: &dns [192.0.2.53, 192.0.2.54]}
                nodes:
                  a: {class: c, mac: 02:00:00:00:00:01, ip: 192.0.2.21/24, ntp: *dns}
                """);
        assertThat(InventoryLoader.load(file).node("a").orElseThrow().spec().ntp()).hasSize(2);
    }

    @Test
    void duplicateKeysAreErrorsNotSilentOverrides() throws Exception {
        Path file = InventoryFixture.write(dir, "inventory.yaml", InventoryFixture.site(null) + """
                classes:
                  c: {arch: amd64, delivery: netboot, netboot: {kernel: k}}
                nodes:
                  a: {class: c, mac: 02:00:00:00:00:01, ip: 192.0.2.21/24}
                  a: {class: c, mac: 02:00:00:00:00:02, ip: 192.0.2.22/24}
                """);
        assertThatThrownBy(() -> InventoryLoader.load(file)).hasMessageContaining(":12:3: duplicate key 'a' (first at line 11)");
    }

    @Test
    void twoPisWithOneSerialAreRefusedWithBothPlacesNamed() throws Exception {
        Path file = InventoryFixture.write(dir, "inventory.yaml", InventoryFixture.site(null) + """
                classes:
                  c: {arch: arm64, delivery: netboot, netboot: {firmware_dir: fw}}
                nodes:
                  a: {class: c, mac: 02:00:00:00:00:01, ip: 192.0.2.21/24, serial: 0a1b2c3d}
                  b: {class: c, mac: 02:00:00:00:00:02, ip: 192.0.2.22/24, serial: 0A1B2C3D}
                """);
        assertThatThrownBy(() -> InventoryLoader.load(file)).hasMessageContaining(
                ":12:68: nodes.b: Pi serial 0a1b2c3d is already used by node 'a' (" + file + ":11:3)");
    }

    @Test
    void fieldsOfTheWrongLayerAreRefused() throws Exception {
        Path file = InventoryFixture.write(dir, "inventory.yaml", InventoryFixture.site(null) + """
                classes:
                  c: {arch: amd64, delivery: netboot, netboot: {kernel: k}, mac: 02:00:00:00:00:09}
                nodes:
                  a: {class: c, extends: c, mac: 02:00:00:00:00:01, ip: 192.0.2.21/24}
                """);
        assertThatThrownBy(() -> InventoryLoader.load(file))
                .hasMessageContaining("classes.c: 'mac' cannot be set on a class")
                .hasMessageContaining("nodes.a: 'extends' cannot be set on a node");
    }

    @Test
    void cloudInitTakesAnyCloudConfigButMustBeAMapping() throws Exception {
        Path file = InventoryFixture.write(dir, "inventory.yaml", InventoryFixture.site(null) + """
                classes:
                  c: {arch: amd64, delivery: netboot, netboot: {kernel: k}, cloud_init: {made_up: {deep: [1, yes, {x: ~}]}}}
                nodes:
                  a: {class: c, mac: 02:00:00:00:00:01, ip: 192.0.2.21/24, cloud_init: [runcmd]}
                  b: {class: c, mac: 02:00:00:00:00:02, ip: 192.0.2.22/24, cloud_init: {bootcmd: [echo b]}}
                """);
        assertThatThrownBy(() -> InventoryLoader.load(file))
                .isInstanceOfSatisfying(InvalidInputException.class, e -> assertThat(e.problems())
                        .extracting(Problem::toString)
                        .containsExactly(file + ":11:72: nodes.a.cloud_init: expected a mapping, got a list"));
    }

    @Test
    void mergedNodesAreCheckedForWhatTheirDeliveryNeeds() throws Exception {
        Path file = InventoryFixture.write(dir, "inventory.yaml", InventoryFixture.site(null) + """
                classes:
                  net: {arch: amd64, delivery: netboot, gateway: 198.51.100.1}
                  card: {arch: arm64, delivery: sdcard, image: {url: ftp://x/y.img, sha256: ABC}}
                  k: {arch: amd64, delivery: netboot, netboot: {kernel: k}, k3s: {role: agent, server: null, taints: {a: Sometimes}}}
                nodes:
                  a: {class: net, mac: 02:00:00:00:00:01, ip: 192.0.2.21/24}
                  b: {class: card, mac: 02:00:00:00:00:02, ip: 192.0.2.22/24}
                  c: {class: k, mac: 02:00:00:00:00:03, ip: 192.0.2.23/24, k3s: {server: null}}
                """);
        assertThatThrownBy(() -> InventoryLoader.load(file))
                .isInstanceOfSatisfying(InvalidInputException.class, e -> assertThat(e.getMessage())
                        .contains("nodes.a: delivery netboot needs netboot.kernel")
                        .contains("nodes.a.gateway: 198.51.100.1 is outside 192.0.2.21/24")
                        .contains("nodes.b.image.url: 'ftp://x/y.img' is not an http(s) URL")
                        .contains("nodes.b.image.sha256: 64 lower-case hex digits are required")
                        .contains("nodes.c.k3s: a agent needs 'server'")
                        .contains("nodes.c.k3s.taints.a: expected NoSchedule"));
    }

    @Test
    void vaultSettingsAreCheckedWhereTheyAreWritten() throws Exception {
        String nodes = """
                classes:
                  c: {arch: amd64, delivery: netboot, netboot: {kernel: k}}
                nodes:
                  a: {class: c, mac: 02:00:00:00:00:01, ip: 192.0.2.21/24}
                """;
        Path file = InventoryFixture.write(dir, "inventory.yaml", InventoryFixture.site(null) + """
                  secrets:
                    source: vault
                    file: secrets.yaml
                    vault:
                      mount: secret
                      path: "nodes/{{host}}"
                      ca_file: missing-ca.pem
                      ttl: 1 minute
                      timeout: 0s
                      adress: https://vault:8200
                """ + nodes);
        List<String> expected = List.of(
                "10:5: site.secrets.file: not used with source: vault",
                "13:13: site.secrets.vault.path: unknown placeholder '{{host}}' (known: {{name}}, {{hostname}})",
                "14:16: site.secrets.vault.ca_file: no readable file " + dir.resolve("missing-ca.pem"),
                "15:12: site.secrets.vault.ttl: expected e.g. 500ms, 2s or 1m, got '1 minute'",
                "16:16: site.secrets.vault.timeout: must be more than 0",
                "17:7: site.secrets.vault: unknown field 'adress'");
        InvalidInputException e = org.junit.jupiter.api.Assertions.assertThrows(InvalidInputException.class,
                () -> InventoryLoader.load(file));
        assertThat(e.problems()).hasSize(expected.size());
        for (String problem : expected) {
            assertThat(e.problems()).extracting(Problem::toString).anySatisfy(p -> assertThat(p).startsWith(file + ":" + problem));
        }

        Path fileSource = InventoryFixture.write(dir, "inventory.yaml", InventoryFixture.site(null) + """
                  secrets: {source: file, vault: {mount: secret}}
                """ + nodes);
        assertThatThrownBy(() -> InventoryLoader.load(fileSource))
                .hasMessageContaining(fileSource + ":8:12: site.secrets: missing required field 'file'")
                .hasMessageContaining(fileSource + ":8:27: site.secrets.vault: only used with source: vault");

        Path defaults = InventoryFixture.write(dir, "inventory.yaml", InventoryFixture.vaultSite("{}") + nodes);
        Site.Vault vault = InventoryLoader.load(defaults).site().secrets().vaultOrDefault();
        assertThat(vault.mountOrDefault() + "/data/" + vault.pathFor("a", "host-a")).isEqualTo("secret/data/nodes/host-a");
        assertThat(vault.ttlOrDefault()).hasSeconds(60);
        assertThat(vault.timeoutOrDefault()).hasSeconds(5);
    }

    /** A kernel or initrd Metis fetches by URL always names its hash: the mapping form needs both fields. */
    @Test
    void aBootFileByUrlNeedsItsHashAndAnHttpUrl() throws Exception {
        String hash = "c".repeat(64);
        Path file = InventoryFixture.write(dir, "inventory.yaml", InventoryFixture.site(null) + """
                classes:
                  a: {arch: amd64, delivery: netboot, netboot: {kernel: {url: https://mirror.example/linux}}}
                  b: {arch: amd64, delivery: netboot, netboot: {kernel: {url: ftp://mirror.example/linux, sha256: %s}}}
                  c: {arch: amd64, delivery: netboot, netboot: {kernel: k, initrd: [{url: https://m.example/i, sha256: C0FFEE}, [x]]}}
                  d: {arch: amd64, delivery: netboot, netboot: {kernel: {path: k, sha256: %s}}}
                nodes:
                  na: {class: a, mac: 02:00:00:00:00:01, ip: 192.0.2.21/24}
                  nb: {class: b, mac: 02:00:00:00:00:02, ip: 192.0.2.22/24}
                  nc: {class: c, mac: 02:00:00:00:00:03, ip: 192.0.2.23/24}
                  nd: {class: d, mac: 02:00:00:00:00:04, ip: 192.0.2.24/24}
                """.formatted(hash, hash));
        InvalidInputException e = org.junit.jupiter.api.Assertions.assertThrows(InvalidInputException.class,
                () -> InventoryLoader.load(file));
        for (String problem : List.of(
                "9:57: classes.a.netboot.kernel: missing required field 'sha256'",
                "10:63: nodes.nb.netboot.kernel.url: 'ftp://mirror.example/linux' is not an http(s) URL",
                "11:68: nodes.nc.netboot.initrd[0].sha256: 64 lower-case hex digits are required",
                "11:113: classes.c.netboot.initrd[1]: expected a single value or a mapping, got a list",
                "12:58: classes.d.netboot.kernel: unknown field 'path' (known: url, sha256)")) {
            assertThat(e.problems()).extracting(Problem::toString).anySatisfy(p -> assertThat(p).startsWith(file + ":" + problem));
        }
    }

    @Test
    void aBootFileIsAPathAUrlOrAUrlWithItsHashAndReadsBackAsWritten() throws Exception {
        String hash = "c".repeat(64);
        Path file = InventoryFixture.write(dir, "inventory.yaml", InventoryFixture.site(null) + """
                classes:
                  c:
                    arch: amd64
                    delivery: netboot
                    netboot:
                      kernel: {url: "https://mirror.example/netboot/linux?v=1", sha256: %s}
                      initrd: [debian/initrd.gz, https://mirror.example/fw.cpio]
                nodes:
                  n: {class: c, mac: 02:00:00:00:00:01, ip: 192.0.2.21/24}
                """.formatted(hash));
        NodeSpec.Netboot netboot = InventoryLoader.load(file).node("n").orElseThrow().spec().netboot();
        assertThat(netboot.kernel()).isEqualTo(new NodeSpec.BootAsset(null, "https://mirror.example/netboot/linux?v=1", hash));
        assertThat(netboot.kernel().fetchedByMetis()).isTrue();
        assertThat(netboot.kernel().fileName()).isEqualTo("linux");
        assertThat(netboot.initrd()).containsExactly(new NodeSpec.BootAsset("debian/initrd.gz", null, null),
                new NodeSpec.BootAsset(null, "https://mirror.example/fw.cpio", null));
        assertThat(Mappers.binding().writeValueAsString(netboot)).isEqualTo("{\"kernel\":{\"url\":"
                + "\"https://mirror.example/netboot/linux?v=1\",\"sha256\":\"" + hash + "\"},"
                + "\"initrd\":[\"debian/initrd.gz\",\"https://mirror.example/fw.cpio\"]}");
    }
}
