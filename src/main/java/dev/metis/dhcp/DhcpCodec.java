package dev.metis.dhcp;

import dev.metis.net.Ipv4;
import dev.metis.net.MacAddress;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.dhcp4java.DHCPOption;
import org.dhcp4java.DHCPPacket;

/**
 * Bytes to {@link DhcpMessage} and {@link DhcpReply} to bytes, using dhcp4java behind these types.
 * Decoding never throws: anything malformed is simply not a message.
 */
public final class DhcpCodec {

    private static final int MAX_DATAGRAM = 1500;
    private static final int ETHERNET = 1;

    private DhcpCodec() {
    }

    public static Optional<DhcpMessage> decode(byte[] datagram) {
        if (datagram.length < 240 || datagram.length > MAX_DATAGRAM) {
            return Optional.empty();
        }
        try {
            DHCPPacket packet = DHCPPacket.getPacket(datagram, 0, datagram.length, true);
            if (!packet.isDhcp() || packet.isTruncated()) {
                return Optional.empty();
            }
            Map<Integer, byte[]> options = new LinkedHashMap<>();
            for (DHCPOption option : packet.getOptionsArray()) {
                options.put(option.getCode() & 0xff, option.getValue());
            }
            byte[] chaddr = packet.getChaddr();
            MacAddress mac = packet.getHtype() == ETHERNET && packet.getHlen() == 6
                    ? MacAddress.of(Arrays.copyOf(chaddr, 6)) : null;
            Byte type = packet.getDHCPMessageType();
            return Optional.of(new DhcpMessage(packet.getOp(), packet.getXid(), packet.getSecs() & 0xffff,
                    packet.getFlags() & 0xffff, Ipv4.of(packet.getCiaddrRaw()), Ipv4.of(packet.getYiaddrRaw()),
                    Ipv4.of(packet.getSiaddrRaw()), Ipv4.of(packet.getGiaddrRaw()), chaddr, mac,
                    type == null ? null : type & 0xff, options));
        } catch (RuntimeException malformed) { // DHCPBadPacketException and whatever else bad bytes provoke
            return Optional.empty();
        }
    }

    public static byte[] encode(DhcpReply reply) {
        DHCPPacket packet = new DHCPPacket();
        packet.setOp((byte) DhcpMessage.BOOTREPLY);
        packet.setHtype((byte) ETHERNET);
        packet.setHlen((byte) 6);
        packet.setXid(reply.xid());
        packet.setFlags((short) reply.flags());
        packet.setCiaddrRaw(reply.ciaddr().bytes());
        packet.setYiaddrRaw(reply.yiaddr().bytes());
        packet.setSiaddrRaw(reply.siaddr().bytes());
        packet.setGiaddrRaw(reply.giaddr().bytes());
        packet.setChaddr(Arrays.copyOf(reply.chaddrRaw(), 16));
        packet.setSnameRaw(Arrays.copyOf(reply.sname().getBytes(StandardCharsets.US_ASCII), 64));
        packet.setFileRaw(Arrays.copyOf(reply.file().getBytes(StandardCharsets.US_ASCII), 128));
        reply.options().forEach((code, value) -> packet.setOptionRaw((byte) (int) code, value));
        return packet.serialize();
    }
}
