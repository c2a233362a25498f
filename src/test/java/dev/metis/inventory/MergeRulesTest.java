package dev.metis.inventory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.metis.testing.InventoryFixture;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MergeRulesTest {

    @TempDir
    Path dir;

    private Inventory load(String classesAndNodes) throws Exception {
        return InventoryLoader.load(InventoryFixture.write(dir, "inventory.yaml",
                InventoryFixture.site(null) + classesAndNodes.stripIndent()));
    }

    private static final String CHAIN = """
            classes:
              root:
                arch: arm64
                delivery: sdcard
                image: {path: a.img, sha256: "%s"}
                packages: [curl, jq]
                journald: {SystemMaxUse: 100M, Compress: "yes"}
                k3s:
                  role: agent
                  labels: {tier: base, zone: a}
                  taints: {dedicated: "storage:NoSchedule", gpu: NoExecute}
              middle:
                extends: root
                packages: [htop]
                k3s:
                  labels: {tier: middle}
              leaf:
                extends: middle
                journald: {SystemMaxUse: 300M}
                k3s:
                  labels: {rack: r1}
            nodes:
              n1:
                class: leaf
                mac: 02:00:00:00:00:01
                ip: 192.0.2.21/24
                k3s:
                  labels: {zone: b}
                  taints: {gpu: null}
              n2:
                class: leaf
                mac: 02:00:00:00:00:02
                ip: 192.0.2.22/24
                dns: [192.0.2.53]
                journald: null
            """.formatted("a".repeat(64));

    @Test
    void mapsMergeDeeplyAcrossEveryLevelOfExtends() throws Exception {
        NodeSpec n1 = load(CHAIN).node("n1").orElseThrow().spec();
        assertThat(n1.k3s().labels()).containsExactly(
                org.assertj.core.api.Assertions.entry("tier", "middle"),
                org.assertj.core.api.Assertions.entry("zone", "b"),
                org.assertj.core.api.Assertions.entry("rack", "r1"));
        assertThat(n1.journald()).containsEntry("SystemMaxUse", "300M").containsEntry("Compress", "yes");
        assertThat(n1.k3s().role()).isEqualTo(K3sRole.AGENT);
    }

    @Test
    void listsReplaceInsteadOfAppending() throws Exception {
        Inventory inventory = load(CHAIN);
        assertThat(inventory.node("n1").orElseThrow().spec().packages()).containsExactly("htop");
        assertThat(inventory.node("n1").orElseThrow().spec().dns()).extracting(Object::toString).containsExactly("192.0.2.1");
        assertThat(inventory.node("n2").orElseThrow().spec().dns()).extracting(Object::toString).containsExactly("192.0.2.53");
    }

    @Test
    void explicitNullRemovesAnInheritedValue() throws Exception {
        Inventory inventory = load(CHAIN);
        assertThat(inventory.node("n1").orElseThrow().spec().k3s().taints())
                .containsOnlyKeys("dedicated");
        assertThat(inventory.node("n2").orElseThrow().spec().journald()).isNull();
        assertThat(inventory.node("n2").orElseThrow().spec().k3s().taints()).containsOnlyKeys("dedicated", "gpu");
    }

    @Test
    void provenanceNamesTheLayerAndPlaceOfEachValue() throws Exception {
        ResolvedNode n1 = load(CHAIN).node("n1").orElseThrow();
        assertThat(n1.classChain()).containsExactly("root", "middle", "leaf");
        assertThat(n1.provenance().get("k3s.labels.tier").layer()).isEqualTo("class middle");
        assertThat(n1.provenance().get("k3s.labels.zone").layer()).isEqualTo("node n1");
        assertThat(n1.provenance().get("k3s.labels.rack").layer()).isEqualTo("class leaf");
        assertThat(n1.provenance().get("domain").layer()).isEqualTo("site");
        assertThat(n1.provenance().get("k3s.server").layer()).isEqualTo("site");
        assertThat(n1.provenance().get("k3s.role").pos().line()).isEqualTo(16);
    }

    @Test
    void eachRemovalNamesTheLayerThatRemovedAndWhatItRemoved() throws Exception {
        Inventory inventory = load(CHAIN);
        ResolvedNode n1 = inventory.node("n1").orElseThrow();
        assertThat(n1.removals()).containsOnlyKeys("k3s.taints.gpu");
        Removal gpu = n1.removals().get("k3s.taints.gpu");
        assertThat(gpu.layer()).isEqualTo("node n1");
        assertThat(gpu.pos().line()).isEqualTo(36);
        assertThat(gpu.removed().layer()).isEqualTo("class root");
        assertThat(gpu.removed().value()).isEqualTo("NoExecute");
        assertThat(gpu.removed().pos().line()).isEqualTo(18);
        // a mapping removed whole: each of its leaves, with the layer that had set it
        ResolvedNode n2 = inventory.node("n2").orElseThrow();
        assertThat(n2.removals()).containsOnlyKeys("journald.SystemMaxUse", "journald.Compress");
        assertThat(n2.removals().get("journald.SystemMaxUse").removed().layer()).isEqualTo("class leaf");
        assertThat(n2.removals().get("journald.Compress").removed().layer()).isEqualTo("class root");
        assertThat(n2.removals().values()).extracting(Removal::layer).containsOnly("node n2");
    }

    @Test
    void aRemovalThatALaterLayerUndoesIsNotReported() throws Exception {
        ResolvedNode node = load("""
                classes:
                  root: {arch: amd64, delivery: netboot, netboot: {kernel: k}, gateway: 192.0.2.1, timezone: UTC,
                         k3s: {role: agent, labels: {a: "1", b: "2"}}}
                  middle: {extends: root, gateway: null, k3s: null, timezone: null}
                  leaf: {extends: middle, timezone: null}
                nodes:
                  n1: {class: leaf, mac: 02:00:00:00:00:01, ip: 192.0.2.21/24, gateway: 192.0.2.254,
                       k3s: {labels: {a: "3"}}}
                """).node("n1").orElseThrow();
        // set again by the node: gateway, and k3s.labels.a below the removed k3s; the site's k3s.server
        // went with the class's k3s: null; the leaf's second null removed nothing, so the middle's stands
        assertThat(node.removals()).containsOnlyKeys("timezone", "k3s.server", "k3s.role", "k3s.labels.b");
        assertThat(node.removals().get("timezone").layer()).isEqualTo("class middle");
        assertThat(node.removals().get("k3s.server").removed().layer()).isEqualTo("site");
        assertThat(node.provenance().get("k3s.labels.a").layer()).isEqualTo("node n1");
    }

    @Test
    void cloudInitScalarsAreTypedAsYaml11ReadsThem() throws Exception {
        NodeSpec spec = load("""
                classes:
                  c: {arch: amd64, delivery: netboot, netboot: {kernel: k}}
                nodes:
                  n1:
                    class: c
                    mac: 02:00:00:00:00:01
                    ip: 192.0.2.21/24
                    cloud_init:
                      plain: [yes, "yes", 0755, "0755", 1_000, 0x1f, 1.5, !!str 12, !!int twelve, ._, text]
                """).node("n1").orElseThrow().spec();
        assertThat(spec.cloudInit().get("plain")).isEqualTo(java.util.List.of(
                true, "yes", 493, "0755", 1000, 31, 1.5, "12", "twelve", "._", "text"));
    }

    @Test
    void aNodeOverridesTheSiteAndTheSiteFillsTheRest() throws Exception {
        NodeSpec n1 = load(CHAIN).node("n1").orElseThrow().spec();
        assertThat(n1.domain()).isEqualTo("t.example");
        assertThat(n1.k3s().server()).isEqualTo("https://192.0.2.10:6443");
        assertThat(n1.sshAuthorizedKeys()).containsExactly("ssh-ed25519 AAAAtest site@key");
    }

    @Test
    void aCycleInExtendsIsReportedOnceAtItsPlace() {
        assertThatThrownBy(() -> load("""
                classes:
                  a: {extends: c, arch: amd64}
                  b: {extends: a}
                  c: {extends: b}
                  d: {extends: d}
                nodes:
                  n1: {class: a, mac: 02:00:00:00:00:01, ip: 192.0.2.21/24}
                """))
                .isInstanceOfSatisfying(InvalidInputException.class, e -> assertThat(e.problems())
                        .extracting(Problem::toString)
                        .containsExactlyInAnyOrder(
                                dir.resolve("inventory.yaml") + ":9:7: classes.a.extends: cycle a -> c -> b -> a",
                                dir.resolve("inventory.yaml") + ":12:7: classes.d.extends: cycle d -> d"));
    }

    @Test
    void macAddressesInAnySpellingAreNormalised() throws Exception {
        Inventory inventory = load("""
                classes:
                  c: {arch: arm64, delivery: sdcard, image: {path: a.img, sha256: "%s"}}
                nodes:
                  a: {class: c, mac: 02-AB-00-00-00-01, ip: 192.0.2.21/24}
                  b: {class: c, mac: 02ab.0000.0002, ip: 192.0.2.22/24}
                  c: {class: c, mac: 02AB00000003, ip: 192.0.2.23/24}
                  d: {class: c, mac: 10:20:30:40:50:59, ip: 192.0.2.24/24}
                """.formatted("b".repeat(64)));
        assertThat(inventory.nodes()).extracting(n -> n.spec().mac().toString())
                .containsExactly("02:ab:00:00:00:01", "02:ab:00:00:00:02", "02:ab:00:00:00:03", "10:20:30:40:50:59");
    }
}
