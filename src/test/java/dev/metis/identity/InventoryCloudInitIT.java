package dev.metis.identity;

import static org.assertj.core.api.Assertions.assertThat;

import dev.metis.inventory.Inventory;
import dev.metis.inventory.InventoryLoader;
import dev.metis.secrets.NodeSecrets;
import dev.metis.testing.ExternalTool;
import dev.metis.testing.InventoryFixture;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the inventory's own cloud_init adds to user-data, as cloud-init's schema validator judges it. */
class InventoryCloudInitIT {

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
            """;

    @Test
    void userDataWithTheInventorysCloudInitPassesCloudInitsSchema() throws Exception {
        Path cloudInit = ExternalTool.require("cloud-init");
        Inventory inventory = InventoryLoader.load(InventoryFixture.write(dir, "inventory.yaml", INVENTORY));
        NodeIdentity identity = new IdentityRenderer(inventory.site(), KEYS)
                .render(inventory.node("web-1").orElseThrow(), NodeSecrets.NONE);
        Path userData = dir.resolve("user-data");
        Files.write(userData, identity.bytes(Artifact.USER_DATA));
        assertThat(identity.text(Artifact.USER_DATA)).contains("package_upgrade: true", "size: 1073741824",
                "resize_rootfs: false", "enabled: true", "- echo node");
        ExternalTool.Result result = ExternalTool.run(dir, cloudInit.toString(), "schema", "--config-file", userData.toString());
        assertThat(result.exitCode()).as(result.all()).isZero();
        assertThat(result.all()).contains("Valid cloud-config");
    }
}
