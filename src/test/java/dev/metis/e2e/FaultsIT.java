package dev.metis.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.metis.files.Sha256;
import dev.metis.testing.ExternalTool;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * Faults a real provisioning network has, in the netboot lab: 5% of the frames lost and 5% reordered on
 * every path while a firmware-PXE machine boots through DHCP, TFTP and HTTP, and while 100 TFTP clients
 * fetch ipxe.efi at once; and a flood of garbage UDP on 67, 69 and 4011 while a machine boots. Everything
 * must finish, and the impairment wires' counts must show that they dropped and reordered frames.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class FaultsIT {

    private static final String MAC = "52:54:00:77:00:31";
    private static final String TOKEN = "lab-admin-token";
    private static final String SERVER = "10.77.0.2";

    @TempDir
    static Path dir;

    private static NetbootLab lab;

    @BeforeAll
    static void start() throws Exception {
        lab = NetbootLab.up(dir);
        ExternalTool.require("python3");
        ExternalTool.require("ethtool");
        // The 100 TFTP clients below share the site's one address, where firmware would have one each; with
        // room for their repeated requests under loss (each starts a transfer of its own).
        lab.startMetisForInstaller(MAC, TOKEN, "--tftp-per-client", "256");
    }

    @AfterAll
    static void stop() throws Exception {
        if (lab != null) {
            lab.close();
        }
    }

    @Test
    @Order(1)
    void firmwarePxeBootsThroughLossAndReordering() throws Exception {
        String impairment = lab.impair(5, 5);
        List<WireCounts> counts;
        try {
            lab.bootToPhoneHome("uefi-pxe", MAC, 200);
        } finally {
            counts = lab.unimpair();
        }
        assertThat(lab.curl(NetbootLab.SERVER_URL + "/api/v1/nodes/vm-1")).contains("\"state\":\"provisioned\"");
        WireCounts.assertImpaired(counts, NetbootLab.VM_LINK, impairment);
    }

    @Test
    @Order(2)
    void hundredTftpClientsAllFinishThroughLossAndReordering() throws Exception {
        ExternalTool.require("tftp");
        Path downloads = Files.createDirectories(dir.resolve("downloads"));
        String impairment = lab.impair(5, 5);
        ExternalTool.Result fetch;
        List<WireCounts> counts;
        try {
            // tftp-hpa's client, as firmware does, answers a repeated block with its ACK again, so a lost ACK
            // costs one server retransmission; curl waits out its own 5 s timer instead.
            fetch = lab.inSite("sh", "-c", "cd " + downloads + " && for i in $(seq 100); do timeout 150 tftp -m binary " + SERVER
                    + " -c get ipxe.efi ipxe-$i.efi || echo \"client $i failed\" & done; wait");
        } finally {
            counts = lab.unimpair();
        }
        assertThat(fetch.all()).doesNotContain("failed");
        String expected = Sha256.hex(Files.readAllBytes(dir.resolve("tftp/ipxe.efi")));
        for (int i = 1; i <= 100; i++) {
            assertThat(Sha256.hex(Files.readAllBytes(downloads.resolve("ipxe-" + i + ".efi")))).as("client " + i).isEqualTo(expected);
        }
        WireCounts.assertImpaired(counts, lab.siteLink(), impairment);
    }

    @Test
    @Order(3)
    void biosBootsDuringAGarbageFloodOnEveryUdpPort() throws Exception {
        lab.curl("-X", "POST", "-H", "Authorization: Bearer " + TOKEN, NetbootLab.SERVER_URL + "/api/v1/nodes/vm-1/reprovision");
        Process flood = lab.startInSite(dir.resolve("flood.log"), "bash", "-c",
                "while :; do for port in 67 69 4011; do head -c $((RANDOM % 700 + 1)) /dev/urandom > /dev/udp/" + SERVER
                        + "/$port; done; done");
        try {
            lab.bootToPhoneHome("bios", MAC, 200);
        } finally {
            NetbootLab.stop(flood);
        }
        String metrics = lab.curl(NetbootLab.SERVER_URL + "/metrics");
        double malformed = metrics.lines().filter(l -> l.startsWith("metis_dhcp_requests") && l.contains("malformed"))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
        assertThat(malformed).as("garbage datagrams proxy-DHCP counted").isGreaterThan(10);
        assertThat(lab.curl(NetbootLab.SERVER_URL + "/api/v1/nodes/vm-1")).contains("\"state\":\"provisioned\"");
    }

}
