package dev.metis.dhcp;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class DhcpCodecTest {

    @Test
    void ipxeInSeaBiosIsRecognised() {
        DhcpMessage discover = DhcpCodec.decode(Captures.load("ipxe-bios-discover")).orElseThrow();
        assertThat(discover.op()).isEqualTo(DhcpMessage.BOOTREQUEST);
        assertThat(discover.messageType()).isEqualTo(DhcpMessage.DISCOVER);
        assertThat(discover.chaddr()).hasToString("52:54:00:77:00:11");
        assertThat(discover.vendorClass()).startsWith("PXEClient:Arch:00000");
        assertThat(discover.clientArch()).contains(0);
        assertThat(discover.isIpxe()).isTrue();
        assertThat(discover.option(DhcpMessage.OPT_CLIENT_UUID)).hasValueSatisfying(v -> assertThat(v).hasSize(17));
        assertThat(discover.option(DhcpMessage.OPT_IPXE_ENCAP)).isPresent();
        assertThat(Firmware.of(discover)).contains(Firmware.IPXE);
    }

    @Test
    void ipxeEfiSendsArchitectureSeven() {
        DhcpMessage discover = DhcpCodec.decode(Captures.load("ipxe-efi-discover")).orElseThrow();
        assertThat(discover.clientArch()).contains(7);
        assertThat(Firmware.of(discover)).contains(Firmware.IPXE);
    }

    @Test
    void uefiFirmwarePxeIsAnEfiClient() {
        DhcpMessage discover = DhcpCodec.decode(Captures.load("ovmf-pxe-discover")).orElseThrow();
        assertThat(discover.clientArch()).contains(7);
        assertThat(discover.isIpxe()).isFalse();
        assertThat(Firmware.of(discover)).contains(Firmware.EFI_X64);
    }

    @Test
    void aPlainClientIsNoNetbootClient() {
        DhcpMessage discover = DhcpCodec.decode(Captures.load("udhcpc-discover")).orElseThrow();
        assertThat(discover.vendorClass()).startsWith("udhcp");
        assertThat(Firmware.of(discover)).isEmpty();
    }

    @Test
    void ourOfferRoundTrips() {
        DhcpMessage offer = DhcpCodec.decode(Captures.load("metis-offer-ipxe-bios")).orElseThrow();
        assertThat(offer.op()).isEqualTo(DhcpMessage.BOOTREPLY);
        assertThat(offer.siaddr()).hasToString("10.77.0.2");
        assertThat(offer.yiaddr()).hasToString("0.0.0.0");
        assertThat(offer.option(DhcpMessage.OPT_VENDOR_SPECIFIC)).hasValueSatisfying(v ->
                assertThat(v).containsExactly(6, 1, 8, 0xff));
    }

    @ParameterizedTest
    @ValueSource(strings = {"ipxe-bios-discover", "ipxe-efi-request", "udhcpc-request", "dnsmasq-offer"})
    void everyTruncationIsRejectedOrDecodedWithoutThrowing(String capture) {
        byte[] whole = Captures.load(capture);
        for (int length = 0; length < whole.length; length++) {
            byte[] cut = Arrays.copyOf(whole, length);
            DhcpCodec.decode(cut); // must not throw
            if (length < 240) {
                assertThat(DhcpCodec.decode(cut)).as("cut at %d", length).isEmpty();
            }
        }
    }

    @Test
    void randomCorruptionNeverThrows() {
        Random random = new Random(42);
        byte[] original = Captures.load("ipxe-bios-discover");
        for (int round = 0; round < 20_000; round++) {
            byte[] mutated = original.clone();
            int flips = 1 + random.nextInt(8);
            for (int i = 0; i < flips; i++) {
                mutated[240 + random.nextInt(mutated.length - 240)] = (byte) random.nextInt(256);
            }
            DhcpCodec.decode(mutated);
        }
    }

    @Test
    void optionsRunningPastTheEndOrWithoutEndAreRejected() {
        byte[] packet = Captures.load("ipxe-bios-discover");
        byte[] overlong = packet.clone();
        overlong[241] = (byte) 0xfe; // first option (message type) claims 254 bytes
        assertThat(DhcpCodec.decode(overlong)).isEmpty();
        int end = lastEnd(packet);
        byte[] noEnd = Arrays.copyOf(packet, end);
        assertThat(DhcpCodec.decode(noEnd).map(Firmware::of).flatMap(f -> f)).isEmpty();
        byte[] badCookie = packet.clone();
        badCookie[236] = 0;
        assertThat(DhcpCodec.decode(badCookie)).isEmpty();
        byte[] oversized = Arrays.copyOf(packet, 2000);
        assertThat(DhcpCodec.decode(oversized)).isEmpty();
    }

    private static int lastEnd(byte[] packet) {
        int i = 240;
        while (i < packet.length && (packet[i] & 0xff) != 0xff) {
            i += (packet[i] & 0xff) == 0 ? 1 : 2 + (packet[i + 1] & 0xff);
        }
        return i;
    }
}
