package dev.metis.tftp;

import java.util.Map;

/** The five TFTP packets (RFC 1350) and the option acknowledgement (RFC 2347). */
public sealed interface TftpPacket {

    int RRQ = 1;
    int WRQ = 2;
    int DATA = 3;
    int ACK = 4;
    int ERROR = 5;
    int OACK = 6;

    /** A read or write request; option names are lower-cased, values kept as sent. */
    record Request(boolean write, String fileName, String mode, Map<String, String> options) implements TftpPacket {
        public Request {
            options = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(options));
        }
    }

    /** @param block the 16-bit block number as on the wire (wraps after 65535) */
    record Data(int block, byte[] payload, int offset, int length) implements TftpPacket {
    }

    record Ack(int block) implements TftpPacket {
    }

    record Error(int code, String message) implements TftpPacket {
        public static final int NOT_DEFINED = 0;
        public static final int FILE_NOT_FOUND = 1;
        public static final int ACCESS_VIOLATION = 2;
        public static final int ILLEGAL_OPERATION = 4;
    }

    record OptionAck(Map<String, String> options) implements TftpPacket {
        public OptionAck {
            options = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(options));
        }
    }
}
