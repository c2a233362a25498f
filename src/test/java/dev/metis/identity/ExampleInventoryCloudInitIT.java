package dev.metis.identity;

import static org.assertj.core.api.Assertions.assertThat;

import dev.metis.inventory.Inventory;
import dev.metis.inventory.InventoryLoader;
import dev.metis.inventory.ResolvedNode;
import dev.metis.secrets.SecretSource;
import dev.metis.secrets.SecretSources;
import dev.metis.testing.ExternalTool;
import dev.metis.testing.InventoryFixture;
import dev.metis.testing.NetConvert;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

/** Every node of the example inventory renders files that cloud-init's own validators accept. */
class ExampleInventoryCloudInitIT {

    @TempDir
    Path dir;

    private static final PhoneHomeKeys KEYS = new PhoneHomeKeys(new byte[32]);

    static Stream<String> nodes() throws Exception {
        return InventoryLoader.load(InventoryFixture.EXAMPLE).nodes().stream().map(ResolvedNode::name);
    }

    private static NodeIdentity render(String name) throws Exception {
        Inventory inventory = InventoryLoader.load(InventoryFixture.EXAMPLE);
        SecretSource secrets = SecretSources.forInventory(inventory);
        ResolvedNode node = inventory.node(name).orElseThrow();
        return new IdentityRenderer(inventory.site(), KEYS).render(node, secrets.secretsFor(node));
    }

    @ParameterizedTest
    @MethodSource("nodes")
    void userDataPassesCloudInitSchema(String name) throws Exception {
        Path cloudInit = ExternalTool.require("cloud-init");
        Path userData = dir.resolve("user-data");
        Files.write(userData, render(name).bytes(Artifact.USER_DATA));
        ExternalTool.Result result = ExternalTool.run(dir, cloudInit.toString(), "schema", "--config-file", userData.toString());
        assertThat(result.exitCode()).as(result.all()).isZero();
        assertThat(result.all()).contains("Valid cloud-config");
    }

    @ParameterizedTest
    @MethodSource("nodes")
    void networkConfigConvertsToNetworkdMatchingTheMac(String name) throws Exception {
        String unit = NetConvert.networkdUnit(dir, render(name).bytes(Artifact.NETWORK_CONFIG));
        String mac = InventoryLoader.load(InventoryFixture.EXAMPLE).node(name).orElseThrow().spec().mac().toString();
        assertThat(unit).contains("MACAddress=" + mac, "Name=eth0", "Address=", "Gateway=", "DNS=");
    }

    @Test
    void separateJvmsRenderTheSameBytes() throws Exception {
        Path jar = Path.of("target/metis.jar").toAbsolutePath();
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        String[] render = {java.toString(), "-jar", jar.toString(), "render", "--inventory",
                InventoryFixture.EXAMPLE.toAbsolutePath().toString(), "--node", "pi4-01", "user-data"};
        ExternalTool.Result first = ExternalTool.run(dir, render);
        ExternalTool.Result second = ExternalTool.run(dir, render);
        assertThat(first.exitCode()).as(first.all()).isZero();
        assertThat(second.output()).isEqualTo(first.output());
        assertThat(first.output()).isEqualTo(render("pi4-01").text(Artifact.USER_DATA).replace("K10demo-agent-token-change-me", "<redacted>")
                .replace(KEYS.keyFor("pi4-01").reveal(), "<redacted>"));
    }
}
