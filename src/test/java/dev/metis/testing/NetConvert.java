package dev.metis.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;

/** cloud-init's own converter: a node's network-config as the systemd-networkd unit Debian's cloud-init writes. */
public final class NetConvert {

    private NetConvert() {
    }

    /** The unit for eth0; the test fails if cloud-init refuses the network-config. */
    public static String networkdUnit(Path dir, byte[] networkConfig) throws Exception {
        Path cloudInit = ExternalTool.require("cloud-init");
        Path input = dir.resolve("network-config");
        Files.write(input, networkConfig);
        Path out = dir.resolve("out");
        ExternalTool.Result result = ExternalTool.run(dir, cloudInit.toString(), "devel", "net-convert", "-p",
                input.toString(), "-k", "yaml", "-D", "debian", "-O", "networkd", "-d", out.toString());
        assertThat(result.exitCode()).as(result.all()).isZero();
        return Files.readString(out.resolve("etc/systemd/network/10-cloud-init-eth0.network"));
    }
}
