package dev.metis.tftp;

import java.io.IOException;
import java.net.InetAddress;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Decides what to do with a read or write request: refuse it with an error packet, or start a transfer
 * with the options it can grant (RFC 2347-2349, 7440).
 */
public final class TftpService {

    public static final int DEFAULT_BLOCK_SIZE = 512;
    public static final int MAX_BLOCK_SIZE = 65464;
    public static final int MAX_WINDOW = 64;
    public static final long DEFAULT_TIMEOUT_MILLIS = 1000;
    public static final int MAX_RETRIES = 5;
    private static final Pattern NUMBER = Pattern.compile("[0-9]{1,9}");

    /** Finds what a path names, for a client; the Raspberry Pi layout and the plain root both plug in here. */
    public interface Files {
        Lookup lookup(String path, InetAddress client) throws IOException;

        /** Whether looking {@code path} up may wait for the secret source (Vault): then not on the event loop. */
        default boolean mayWait(String path) {
            return false;
        }
    }

    /** Result of a lookup. */
    public sealed interface Lookup {
    }

    public record Found(TftpSource source, String description) implements Lookup {
    }

    public record NotFound() implements Lookup {
    }

    /** Refused on purpose, e.g. a provisioned Pi that must boot from its own storage. */
    public record Denied(String reason) implements Lookup {
    }

    public sealed interface Decision {
    }

    public record Refuse(TftpPacket.Error error, String reason) implements Decision {
    }

    public record Start(TftpTransfer transfer, String fileName, String description) implements Decision {
    }

    private final Files files;

    public TftpService(Files files) {
        this.files = files;
    }

    /** Whether deciding {@code request} may wait for the secret source; the transport decides those off its loop. */
    public boolean mayWait(TftpPacket.Request request) {
        return !request.write() && files.mayWait(request.fileName());
    }

    /** @param maxBlockSize the largest block the path to the client carries (MTU minus headers) */
    public Decision decide(TftpPacket.Request request, InetAddress client, int maxBlockSize) throws IOException {
        if (request.write()) {
            return new Refuse(new TftpPacket.Error(TftpPacket.Error.ACCESS_VIOLATION, "writes are not accepted"), "write request");
        }
        if (!request.mode().equals("octet")) {
            return new Refuse(new TftpPacket.Error(TftpPacket.Error.ILLEGAL_OPERATION, "only octet mode is supported"),
                    "mode " + request.mode());
        }
        Lookup lookup = files.lookup(request.fileName(), client);
        if (lookup instanceof Denied denied) {
            return new Refuse(new TftpPacket.Error(TftpPacket.Error.ACCESS_VIOLATION, denied.reason()), denied.reason());
        }
        if (!(lookup instanceof Found found)) {
            return new Refuse(new TftpPacket.Error(TftpPacket.Error.FILE_NOT_FOUND, "file not found"), "not found");
        }
        Map<String, String> granted = new LinkedHashMap<>();
        int blockSize = DEFAULT_BLOCK_SIZE;
        int window = 1;
        long timeout = DEFAULT_TIMEOUT_MILLIS;
        Optional<Integer> blksize = number(request.options().get("blksize"), 8, Integer.MAX_VALUE);
        if (blksize.isPresent()) {
            blockSize = Math.min(blksize.get(), Math.min(maxBlockSize, MAX_BLOCK_SIZE));
            granted.put("blksize", Integer.toString(blockSize));
        }
        if (request.options().containsKey("tsize")) {
            granted.put("tsize", Long.toString(found.source().size()));
        }
        Optional<Integer> seconds = number(request.options().get("timeout"), 1, 255);
        if (seconds.isPresent()) {
            timeout = seconds.get() * 1000L;
            granted.put("timeout", Integer.toString(seconds.get()));
        }
        Optional<Integer> windowsize = number(request.options().get("windowsize"), 1, 65535);
        if (windowsize.isPresent()) {
            window = Math.min(windowsize.get(), MAX_WINDOW);
            granted.put("windowsize", Integer.toString(window));
        }
        TftpTransfer transfer = new TftpTransfer(found.source(),
                new TftpTransfer.Settings(blockSize, window, timeout, seconds.isEmpty(), MAX_RETRIES, granted));
        return new Start(transfer, request.fileName(), found.description());
    }

    private static Optional<Integer> number(String value, int min, int max) {
        if (value == null || !NUMBER.matcher(value).matches()) {
            return Optional.empty();
        }
        int n = Integer.parseInt(value);
        return n < min || n > max ? Optional.empty() : Optional.of(n);
    }
}
