package dev.metis.identity;

import static org.assertj.core.api.Assertions.assertThat;

import dev.metis.inventory.Inventory;
import dev.metis.inventory.InventoryLoader;
import dev.metis.secrets.NodeSecrets;
import dev.metis.testing.ExternalTool;
import dev.metis.testing.InventoryFixture;
import dev.metis.testing.NetConvert;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the inventory's own {@code cloud_init} adds to user-data, and what a node without {@code ip} gets
 * as network-config, as cloud-init's own validators judge them.
 */
class CloudInitValidatorsIT {

    @TempDir
    Path dir;

    private static final PhoneHomeKeys KEYS = new PhoneHomeKeys(new byte[32]);

    /** Typed the way YAML 1.1 reads it: written as text, each of these would fail cloud-init's schema. */
    private static final String INVENTORY = InventoryFixture.site(null) + """
            classes:
              net:
                arch: amd64
                delivery: netboot
                netboot: {kernel: debian/vmlinuz}
                k3s: {role: agent}
                cloud_init:
                  package_upgrade: yes
                  bootcmd: [echo class]
                  apt: {preserve_sources_list: true}
                  swap: {filename: /swap.img, size: 1_073_741_824}
                  write_files: [{path: /etc/class-file, permissions: "0644", content: x, defer: true}]
            nodes:
              web-1:
                class: net
                mac: 02:00:00:00:00:01
                ip: 192.0.2.21/24
                cloud_init:
                  bootcmd: [echo node]
                  resize_rootfs: false
                  ntp: {enabled: on, pools: [pool.example]}
              dhcp-1: {class: net, mac: 02:00:00:00:00:02}
            """;

    private NodeIdentity render(String name) throws Exception {
        Inventory inventory = InventoryLoader.load(InventoryFixture.write(dir, "inventory.yaml", INVENTORY));
        return new IdentityRenderer(inventory.site(), KEYS).render(inventory.node(name).orElseThrow(), NodeSecrets.NONE);
    }

    private ExternalTool.Result schema(Path cloudInit, NodeIdentity identity) throws Exception {
        Path userData = dir.resolve("user-data");
        Files.write(userData, identity.bytes(Artifact.USER_DATA));
        return ExternalTool.run(dir, cloudInit.toString(), "schema", "--config-file", userData.toString());
    }

    @Test
    void userDataWithTheInventorysCloudInitPassesCloudInitsSchema() throws Exception {
        Path cloudInit = ExternalTool.require("cloud-init");
        NodeIdentity identity = render("web-1");
        assertThat(identity.text(Artifact.USER_DATA)).contains("package_upgrade: true", "size: 1073741824",
                "resize_rootfs: false", "enabled: true", "- echo node");
        ExternalTool.Result result = schema(cloudInit, identity);
        assertThat(result.exitCode()).as(result.all()).isZero();
        assertThat(result.all()).contains("Valid cloud-config");
    }

    @Test
    void aNodeWithoutIpGetsDhcpOnTheNicMatchedByItsMac() throws Exception {
        Path cloudInit = ExternalTool.require("cloud-init");
        NodeIdentity identity = render("dhcp-1");
        String unit = NetConvert.networkdUnit(dir, identity.bytes(Artifact.NETWORK_CONFIG));
        assertThat(unit).contains("MACAddress=02:00:00:00:00:02", "Name=eth0", "DHCP=ipv4", "DNS=192.0.2.1")
                .doesNotContain("Address=192", "Gateway=");
        ExternalTool.Result userData = schema(cloudInit, identity);
        assertThat(userData.exitCode()).as(userData.all()).isZero();
    }
}
