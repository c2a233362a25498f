package dev.metis.tftp;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class TftpCodecTest {

    /** Packet bytes written as text, with '|' standing for NUL (Java's octal escapes swallow digits). */
    private static byte[] bytes(String text) {
        return text.replace('|', '\0').getBytes(StandardCharsets.ISO_8859_1);
    }

    @Test
    void readRequestsWithOptionsDecode() {
        byte[] rrq = bytes("\0\1/ipxe.efi|OCTET|BLKSIZE|1468|tsize|0|windowsize|8|");
        TftpPacket.Request request = (TftpPacket.Request) TftpCodec.decode(rrq, rrq.length).orElseThrow();
        assertThat(request.write()).isFalse();
        assertThat(request.fileName()).isEqualTo("/ipxe.efi");
        assertThat(request.mode()).isEqualTo("octet");
        assertThat(request.options()).containsExactly(Map.entry("blksize", "1468"), Map.entry("tsize", "0"),
                Map.entry("windowsize", "8"));
        assertThat(TftpCodec.encode(request)).isEqualTo(bytes("\0\1/ipxe.efi|octet|blksize|1468|tsize|0|windowsize|8|"));
    }

    @Test
    void malformedPacketsAreNotPackets() {
        for (String bad : new String[] {"", "\0", "\0\1", "\0\1file", "\0\1file\0", "\0\1file\0octet", "\0\1\0octet\0",
                "\0\1file\0octet\0blksize\0", "\0\11file\0octet\0", "\0\4\0", "\0\4\0\1\0", "\0\7\0\0", "\377\377abcd"}) {
            byte[] packet = bytes(bad);
            assertThat(TftpCodec.decode(packet, packet.length)).as(Arrays.toString(packet)).isEmpty();
        }
        byte[] longName = bytes("\0\1" + "a".repeat(600) + "\0octet\0");
        assertThat(TftpCodec.decode(longName, longName.length)).isEmpty();
    }

    @Test
    void randomBytesNeverThrow() {
        Random random = new Random(7);
        for (int i = 0; i < 50_000; i++) {
            byte[] packet = new byte[random.nextInt(64)];
            random.nextBytes(packet);
            if (packet.length > 1) {
                packet[0] = 0;
                packet[1] = (byte) random.nextInt(8);
            }
            TftpCodec.decode(packet, packet.length);
        }
    }

    @Test
    void errorsAcksAndOptionAcksEncode() {
        assertThat(TftpCodec.encode(new TftpPacket.Error(1, "file not found"))).isEqualTo(bytes("\0\5\0\1file not found|"));
        assertThat(TftpCodec.encode(new TftpPacket.Ack(65535))).isEqualTo(new byte[] {0, 4, (byte) 0xff, (byte) 0xff});
        assertThat(TftpCodec.encode(new TftpPacket.OptionAck(Map.of("tsize", "42")))).isEqualTo(bytes("\0\6tsize|42|"));
    }
}
