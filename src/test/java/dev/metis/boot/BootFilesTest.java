package dev.metis.boot;

import static org.assertj.core.api.Assertions.assertThat;

import dev.metis.inventory.ResolvedNode;
import dev.metis.net.MacAddress;
import dev.metis.state.NodeState;
import dev.metis.testing.NodeServices;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One boot-file sequence for an iPXE script and a Pi's cmdline.txt: same policy, same binding, same record. */
class BootFilesTest {

    @TempDir
    Path dir;
    private NodeServices services;
    private ResolvedNode pi;

    @BeforeEach
    void setUp() throws Exception {
        services = new NodeServices(dir);
        pi = services.inventory.current().inventory().nodeBySerial(NodeServices.PI_SERIAL.toUpperCase()).orElseThrow();
    }

    @AfterEach
    void tearDown() throws Exception {
        services.close();
    }

    private static String text(BootFiles.Answer answer) {
        return new String(((BootFiles.Served) answer).bytes(), StandardCharsets.UTF_8);
    }

    @Test
    void anArmedPiGetsItsCmdlineWithASeedTokenAtItsOwnAddressAsAnIpxeNodeGetsItsScript() throws Exception {
        BootFiles.Answer cmdline = services.bootFiles.piCmdline(pi, InetAddress.getByName("192.0.2.23"));
        assertThat(text(cmdline)).matches("(?s)ds=nocloud-net;s=http://192\\.0\\.2\\.2:8080/nocloud/02:00:00:00:00:03/[A-Za-z0-9_-]{20,}/ network-config=[A-Za-z0-9+/=]+\n");
        assertThat(services.state.status("pi-1").state()).isEqualTo(NodeState.BOOTING);
        BootFiles.Answer script = services.bootFiles.ipxeScript(MacAddress.parse(NodeServices.WEB1_MAC),
                InetAddress.getByName(NodeServices.WEB1_IP));
        assertThat(text(script)).startsWith("#!ipxe");
        assertThat(services.state.status("web-1").state()).isEqualTo(NodeState.BOOTING);
    }

    @Test
    void bothAreRefusedAtAnAddressWithoutEvidenceAndNothingIsRecorded() throws Exception {
        InetAddress stranger = InetAddress.getByName("198.51.100.7");
        assertThat(services.bootFiles.piCmdline(pi, stranger)).isInstanceOf(BootFiles.Refused.class);
        assertThat(services.bootFiles.ipxeScript(MacAddress.parse(NodeServices.WEB1_MAC), stranger))
                .isInstanceOf(BootFiles.Refused.class);
        assertThat(services.state.status("pi-1").state()).isEqualTo(NodeState.ARMED);
        assertThat(services.state.status("web-1").state()).isEqualTo(NodeState.ARMED);
    }

    @Test
    void aProvisionedPiIsRefusedEveryFileByTheSamePolicyAsAnIpxeNode() throws Exception {
        assertThat(services.bootFiles.piBootsLocally(pi)).isEmpty();
        services.state.phoneHome("pi-1", "hash", "192.0.2.23");
        assertThat(services.bootFiles.piBootsLocally(pi)).contains("node pi-1 is provisioned; it boots from its own storage");
        BootFiles.Answer cmdline = services.bootFiles.piCmdline(pi, InetAddress.getByName("192.0.2.23"));
        assertThat(cmdline).isEqualTo(new BootFiles.LocalDisk(Optional.of("pi-1"), "node pi-1 is provisioned; it boots from its own storage"));
        services.state.phoneHome("web-1", "hash", NodeServices.WEB1_IP);
        assertThat(services.bootFiles.ipxeScript(MacAddress.parse(NodeServices.WEB1_MAC), InetAddress.getByName(NodeServices.WEB1_IP)))
                .isEqualTo(new BootFiles.LocalDisk(Optional.of("web-1"), "node web-1 is provisioned"));
    }
}
