package dev.metis.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.metis.dhcp.DhcpCodec;
import dev.metis.dhcp.DhcpMessage;
import dev.metis.dhcp.Firmware;
import org.junit.jupiter.api.Test;

/** The load bench/dhcp sends, as docs/benchmarks.md describes it: BIOS PXE DISCOVERs, a MAC per client index. */
class DhcpLoadTest {

    @Test
    void sendsABiosPxeDiscoverAsMetisReadsIt() {
        DhcpMessage discover = DhcpCodec.decode(DhcpLoad.discover(0x1234, 0x1ab)).orElseThrow();

        assertThat(discover.op()).isEqualTo(DhcpMessage.BOOTREQUEST);
        assertThat(discover.messageType()).isEqualTo(DhcpMessage.DISCOVER);
        assertThat(discover.xid()).isEqualTo(0x1234);
        assertThat(discover.flags()).isEqualTo(0x8000); // broadcast: the client has no address yet
        assertThat(discover.chaddr()).hasToString("02:00:00:00:01:ab");
        assertThat(discover.vendorClass()).isEqualTo("PXEClient:Arch:00000:UNDI:002001");
        assertThat(discover.clientArch()).contains(0);
        assertThat(discover.isIpxe()).isFalse();
        assertThat(discover.option(DhcpMessage.OPT_CLIENT_UUID)).hasValueSatisfying(v -> assertThat(v).hasSize(17));
        assertThat(Firmware.of(discover)).contains(Firmware.BIOS);
    }
}
