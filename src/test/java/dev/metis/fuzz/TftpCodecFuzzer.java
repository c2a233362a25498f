package dev.metis.fuzz;

import dev.metis.tftp.TftpCodec;
import dev.metis.tftp.TftpPacket;
import java.util.Arrays;
import java.util.Optional;

/** Any datagram decodes to a packet or to nothing; a decoded packet encodes back to what it was read from. */
public final class TftpCodecFuzzer {

    private TftpCodecFuzzer() {
    }

    public static void fuzzerTestOneInput(byte[] datagram) {
        Optional<TftpPacket> packet = TftpCodec.decode(datagram, datagram.length);
        if (packet.isPresent()) {
            Optional<TftpPacket> again = TftpCodec.decode(TftpCodec.encode(packet.get()), TftpCodec.encode(packet.get()).length);
            if (again.isEmpty()) {
                throw new IllegalStateException("encoded packet does not decode: " + packet.get() + " from " + Arrays.toString(datagram));
            }
        }
    }
}
