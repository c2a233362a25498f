package dev.metis.tftp;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * TFTP bytes to packets and back. Written here rather than taken from commons-net, whose packet
 * classes are bound to java.net datagrams and have no OACK; commons-net's client is used in the tests.
 * Decoding never throws: malformed input is simply not a packet.
 */
public final class TftpCodec {

    private static final int MAX_STRING = 512;

    private TftpCodec() {
    }

    public static Optional<TftpPacket> decode(byte[] bytes, int length) {
        if (length < 4) {
            return Optional.empty();
        }
        int opcode = ((bytes[0] & 0xff) << 8) | (bytes[1] & 0xff);
        switch (opcode) {
            case TftpPacket.RRQ, TftpPacket.WRQ -> {
                return request(bytes, length, opcode == TftpPacket.WRQ);
            }
            case TftpPacket.DATA -> {
                return Optional.of(new TftpPacket.Data(u16(bytes, 2), bytes, 4, length - 4));
            }
            case TftpPacket.ACK -> {
                return length == 4 ? Optional.of(new TftpPacket.Ack(u16(bytes, 2))) : Optional.empty();
            }
            case TftpPacket.ERROR -> {
                List<String> strings = strings(bytes, 4, length);
                return Optional.of(new TftpPacket.Error(u16(bytes, 2), strings == null || strings.isEmpty() ? "" : strings.get(0)));
            }
            default -> {
                return Optional.empty();
            }
        }
    }

    private static Optional<TftpPacket> request(byte[] bytes, int length, boolean write) {
        List<String> strings = strings(bytes, 2, length);
        if (strings == null || strings.size() < 2 || strings.size() % 2 != 0 || strings.get(0).isEmpty()) {
            return Optional.empty();
        }
        Map<String, String> options = new LinkedHashMap<>();
        for (int i = 2; i < strings.size(); i += 2) {
            options.putIfAbsent(strings.get(i).toLowerCase(Locale.ROOT), strings.get(i + 1));
        }
        return Optional.of(new TftpPacket.Request(write, strings.get(0), strings.get(1).toLowerCase(Locale.ROOT), options));
    }

    /** NUL-terminated strings from {@code from} to the end; null if the last is unterminated or too long. */
    private static List<String> strings(byte[] bytes, int from, int length) {
        List<String> out = new ArrayList<>();
        int start = from;
        for (int i = from; i < length; i++) {
            if (bytes[i] == 0) {
                if (i - start > MAX_STRING) {
                    return null;
                }
                out.add(new String(bytes, start, i - start, StandardCharsets.US_ASCII));
                start = i + 1;
            }
        }
        return start == length ? out : null;
    }

    private static int u16(byte[] bytes, int at) {
        return ((bytes[at] & 0xff) << 8) | (bytes[at + 1] & 0xff);
    }

    public static byte[] encode(TftpPacket packet) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        if (packet instanceof TftpPacket.Ack ack) {
            writeU16(out, TftpPacket.ACK);
            writeU16(out, ack.block());
        } else if (packet instanceof TftpPacket.Error error) {
            writeU16(out, TftpPacket.ERROR);
            writeU16(out, error.code());
            writeString(out, error.message());
        } else if (packet instanceof TftpPacket.OptionAck oack) {
            writeU16(out, TftpPacket.OACK);
            oack.options().forEach((k, v) -> {
                writeString(out, k);
                writeString(out, v);
            });
        } else if (packet instanceof TftpPacket.Request request) {
            writeU16(out, request.write() ? TftpPacket.WRQ : TftpPacket.RRQ);
            writeString(out, request.fileName());
            writeString(out, request.mode());
            request.options().forEach((k, v) -> {
                writeString(out, k);
                writeString(out, v);
            });
        } else {
            TftpPacket.Data data = (TftpPacket.Data) packet;
            writeU16(out, TftpPacket.DATA);
            writeU16(out, data.block());
            out.write(data.payload(), data.offset(), data.length());
        }
        return out.toByteArray();
    }

    private static void writeU16(ByteArrayOutputStream out, int value) {
        out.write(value >>> 8);
        out.write(value);
    }

    private static void writeString(ByteArrayOutputStream out, String value) {
        out.writeBytes(value.getBytes(StandardCharsets.US_ASCII));
        out.write(0);
    }
}
