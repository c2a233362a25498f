package dev.metis.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real PXE clients: QEMU (TCG) with SeaBIOS and QEMU's iPXE ROM, then OVMF with the iPXE EFI ROM,
 * boot a Linux kernel and a busybox installer from Metis in a network namespace where dnsmasq is the
 * site DHCP server (addresses only). Metis answers proxy-DHCP and serves everything else over HTTP.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class NetbootQemuIT {

    private static final String MAC = "52:54:00:77:00:11";
    private static final String TOKEN = "lab-admin-token";
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dir;

    private static NetbootLab lab;
    private static Path metisLog;

    @BeforeAll
    static void start() throws Exception {
        lab = NetbootLab.up(dir);
        metisLog = lab.startMetisForInstaller(MAC, TOKEN);
    }

    @AfterAll
    static void stop() throws Exception {
        if (lab != null) {
            lab.close();
        }
    }

    private static JsonNode node() throws Exception {
        return JSON.readTree(lab.curl(NetbootLab.SERVER_URL + "/api/v1/nodes/vm-1"));
    }

    @Test
    @Order(1)
    void biosWithIpxeRomIsProvisioned() throws Exception {
        assertThat(node().get("state").asText()).isEqualTo("armed");
        String console = lab.bootToPhoneHome("bios", MAC, 150);
        assertThat(console).contains("iPXE");
        JsonNode node = node();
        assertThat(node.get("state").asText()).isEqualTo("provisioned");
        assertThat(node.get("provisioned_hash").asText()).isEqualTo(node.get("config_hash").asText());
        assertThat(Files.readString(metisLog)).contains("dhcp OFFER " + MAC + " on br0: node vm-1: provision (IPXE)");

        // The installer got its seed through the token of its script, from the address DHCP gave it;
        // the same URL now opens nothing: the token is spent, and this client is another address.
        Matcher seed = Pattern.compile("METIS-LAB: seed (" + NetbootLab.SERVER_URL + "/nocloud/" + MAC
                + "/([A-Za-z0-9_-]{43})/)").matcher(console);
        assertThat(seed.find()).as(console).isTrue();
        assertThat(Files.readString(metisLog)).contains("dhcp REQUEST " + MAC + " on br0: node vm-1 takes 10.77.0.")
                .doesNotContain("seed refused");
        assertThat(lab.curl("-o", "/dev/null", "-w", "%{http_code}", seed.group(1) + "user-data")).isEqualTo("403");
        assertThat(lab.curl("-o", "/dev/null", "-w", "%{http_code}", NetbootLab.SERVER_URL + "/nocloud/" + MAC
                + "/user-data")).isEqualTo("403");
        assertThat(Files.readString(metisLog)).contains("node=vm-1 mac=" + MAC + " from=10.77.0.2 file=user-data "
                + "reason=spent").contains("reason=no-token").doesNotContain(seed.group(2));
    }

    @Test
    @Order(2)
    void theSecondBootGetsTheExitScript() throws Exception {
        Path console = dir.resolve("second-boot.log");
        Process boot = lab.boot("bios", MAC, console, 60);
        try {
            for (int i = 0; i < 600 && !node().get("events").findValuesAsText("event").contains("exit"); i++) {
                Thread.sleep(100);
            }
            List<String> events = node().get("events").findValuesAsText("event");
            assertThat(events.get(events.size() - 1)).isEqualTo("exit");
            for (int i = 0; i < 100 && !Files.readString(console).contains("booting from local disk"); i++) {
                Thread.sleep(100);
            }
            assertThat(Files.readString(console)).contains("Metis: node vm-1 is provisioned, booting from local disk");
            assertThat(node().get("state").asText()).isEqualTo("provisioned");
        } finally {
            NetbootLab.stop(boot);
        }
    }

    @Test
    @Order(3)
    void uefiWithIpxeEfiRomIsProvisionedAfterReArming() throws Exception {
        lab.curl("-X", "POST", "-H", "Authorization: Bearer " + TOKEN,
                NetbootLab.SERVER_URL + "/api/v1/nodes/vm-1/reprovision");
        assertThat(node().get("state").asText()).isEqualTo("armed");
        lab.bootToPhoneHome("uefi", MAC, 150);
        assertThat(node().get("state").asText()).isEqualTo("provisioned");
        assertThat(Files.readString(metisLog)).contains("node vm-1: provision (IPXE)");
    }

    @Test
    @Order(4)
    void uefiFirmwarePxeFetchesIpxeOverTftpThenChainsToHttp() throws Exception {
        lab.curl("-X", "POST", "-H", "Authorization: Bearer " + TOKEN,
                NetbootLab.SERVER_URL + "/api/v1/nodes/vm-1/reprovision");
        lab.bootToPhoneHome("uefi-pxe", MAC, 150);
        String log = Files.readString(metisLog);
        assertThat(log).contains("node vm-1: provision (EFI_X64), boot file 'ipxe.efi'")
                .contains("\"ipxe.efi\" sent " + Files.size(dir.resolve("tftp/ipxe.efi")) + " bytes");
        assertThat(node().get("state").asText()).isEqualTo("provisioned");
    }
}
