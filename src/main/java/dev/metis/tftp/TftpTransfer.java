package dev.metis.tftp;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Locale;
import java.util.Map;

/**
 * One read transfer as a state machine: what to send at the start, on each packet from the client and
 * on each timeout. Pure apart from reading its source; time is passed in, so tests need no clock.
 * Supports option acknowledgement, windows of blocks (RFC 7440) and block numbers that wrap at 65536.
 */
public final class TftpTransfer {

    /**
     * Where the packets go. The transport hands out the buffer for each DATA packet, so a block is read
     * from its source straight into what the socket sends: no copy and no garbage per block.
     */
    public interface Outbox {
        /** An encoded packet: an option acknowledgement or an error. */
        void send(byte[] packet);

        /** A buffer with exactly {@code length} bytes from its position to its limit, for one DATA packet. */
        ByteBuffer dataBuffer(int length);

        /** Sends the packet written into the last {@link #dataBuffer}, or drops it when {@code complete} is false. */
        void sendData(boolean complete);
    }

    public enum Outcome {
        RUNNING, COMPLETE, ABORTED_BY_CLIENT, TIMED_OUT, FAILED;

        /** Lower-case, as used in metric labels. */
        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * What was agreed with the client; {@code acknowledged} is empty when no OACK is due.
     *
     * @param timeoutMillis the retransmission timeout, or with {@code adaptive} its ceiling
     * @param adaptive      the client asked for no timeout, so the timer follows the measured round trip
     * @param maxRetries    how many {@code timeoutMillis} may pass without progress before giving up
     */
    public record Settings(int blockSize, int windowSize, long timeoutMillis, boolean adaptive, int maxRetries,
            Map<String, String> acknowledged) {
    }

    /**
     * The adaptive timer's floor. A LAN answers within a millisecond, so a lost block then costs tens of
     * milliseconds instead of a second; the floor leaves room for firmware that is slow to ACK.
     */
    static final long MIN_TIMEOUT_MILLIS = 50;

    /**
     * The longest a transfer may go without progress, whatever timeout it negotiated: a client may ask
     * for 255 s, which with the retries would hold a transfer slot for 25 minutes on a request sent once
     * from a spoofed address. Firmware that is alive ACKs within seconds.
     */
    public static final long MAX_STALL_MILLIS = 60_000;

    private final TftpSource source;
    private final Settings settings;
    private final long lastBlock;
    /** Without progress for this long, the transfer gives up. */
    private final long giveUpAfter;
    private long acked;
    private long sentUpTo;
    private long deadline;
    private long lastProgress;
    /** Round-trip estimate (RFC 6298) and the timer it gives; -1 before the first sample. */
    private long smoothedRtt = -1;
    private long rttVariation;
    private long timeout;
    /** When the outstanding packets were sent, and whether they were sent again (then no sample: Karn). */
    private long sentAt;
    private boolean resent;
    private long retransmitted;
    private boolean oackPending;
    private Outcome outcome = Outcome.RUNNING;
    private String failure = "";

    public TftpTransfer(TftpSource source, Settings settings) {
        this.source = source;
        this.settings = settings;
        this.lastBlock = source.size() / settings.blockSize() + 1;
        this.oackPending = !settings.acknowledged().isEmpty();
        this.giveUpAfter = Math.min(settings.timeoutMillis() * (settings.maxRetries() + 1), MAX_STALL_MILLIS);
    }

    public void start(long now, Outbox out) throws IOException {
        timeout = settings.timeoutMillis();
        lastProgress = now;
        sentAt = now;
        deadline = now + Math.min(timeout, giveUpAfter);
        if (oackPending) {
            out.send(TftpCodec.encode(new TftpPacket.OptionAck(settings.acknowledged())));
            return;
        }
        window(out);
    }

    public void onPacket(TftpPacket packet, long now, Outbox out) throws IOException {
        if (packet instanceof TftpPacket.Error error) {
            outcome = Outcome.ABORTED_BY_CLIENT;
            failure = "client stopped: " + error.message() + " (" + error.code() + ")";
            return;
        }
        if (!(packet instanceof TftpPacket.Ack ack)) {
            outcome = Outcome.FAILED;
            failure = "unexpected packet " + packet.getClass().getSimpleName();
            out.send(TftpCodec.encode(new TftpPacket.Error(TftpPacket.Error.ILLEGAL_OPERATION, "expected an ACK")));
            return;
        }
        if (oackPending) {
            if (ack.block() != 0) {
                return;
            }
            oackPending = false;
            progress(now);
            window(out);
            return;
        }
        long delta = (ack.block() - acked) & 0xffff;
        if (delta == 0 || delta > sentUpTo - acked) {
            return; // a duplicate or stale ACK: answering it would start the Sorcerer's Apprentice
        }
        acked += delta;
        progress(now);
        if (acked >= lastBlock) {
            outcome = Outcome.COMPLETE;
            return;
        }
        window(out);
    }

    /** Called when {@link #deadline()} has passed without progress: send again, or give up. */
    public void onTimeout(long now, Outbox out) throws IOException {
        if (now - lastProgress >= giveUpAfter) {
            outcome = Outcome.TIMED_OUT;
            failure = oackPending ? "no ACK after the option acknowledgement" : "no ACK for block " + (acked + 1);
            return;
        }
        if (settings.adaptive()) {
            timeout = Math.min(timeout * 2, settings.timeoutMillis());
        }
        resent = true;
        sentAt = now;
        deadline = Math.min(now + timeout, lastProgress + giveUpAfter);
        if (oackPending) {
            retransmitted++;
            out.send(TftpCodec.encode(new TftpPacket.OptionAck(settings.acknowledged())));
            return;
        }
        sentUpTo = acked;
        retransmitted += window(out);
    }

    /** An ACK moved the transfer on: take a round-trip sample unless the packets were sent twice. */
    private void progress(long now) {
        if (settings.adaptive() && !resent) {
            long sample = now - sentAt;
            if (smoothedRtt < 0) {
                smoothedRtt = sample;
                rttVariation = sample / 2;
            } else {
                rttVariation = (3 * rttVariation + Math.abs(smoothedRtt - sample)) / 4;
                smoothedRtt = (7 * smoothedRtt + sample) / 8;
            }
            timeout = Math.max(MIN_TIMEOUT_MILLIS, Math.min(settings.timeoutMillis(), smoothedRtt + Math.max(1, 4 * rttVariation)));
        }
        resent = false;
        lastProgress = now;
        sentAt = now;
        deadline = now + Math.min(timeout, giveUpAfter);
    }

    /** Sends the window after the last acknowledged block; returns how many DATA packets went out. */
    private int window(Outbox out) throws IOException {
        long first = acked + 1;
        long last = Math.min(acked + settings.windowSize(), lastBlock);
        for (long block = first; block <= last; block++) {
            long position = (block - 1) * settings.blockSize();
            int length = (int) Math.min(settings.blockSize(), Math.max(0, source.size() - position));
            ByteBuffer packet = out.dataBuffer(4 + length);
            packet.putShort((short) TftpPacket.DATA).putShort((short) block);
            boolean complete = source.read(position, packet) == length;
            out.sendData(complete);
            if (!complete) {
                outcome = Outcome.FAILED;
                failure = "file shrank while being sent";
                out.send(TftpCodec.encode(new TftpPacket.Error(TftpPacket.Error.NOT_DEFINED, "file changed")));
                return (int) (block - first);
            }
        }
        sentUpTo = Math.max(sentUpTo, last);
        return (int) (last - first + 1);
    }

    public long deadline() {
        return deadline;
    }

    /** When the client last moved the transfer on (or it started). */
    public long lastProgress() {
        return lastProgress;
    }

    /** The transport ends the transfer for a reason of its own, e.g. to give its slot to another client. */
    public void abandon(String why) {
        if (outcome == Outcome.RUNNING) {
            outcome = Outcome.TIMED_OUT;
            failure = why;
        }
    }

    public Outcome outcome() {
        return outcome;
    }

    public String failure() {
        return failure;
    }

    /** Packets sent again after a timeout: lost packets, or a timer shorter than the client's pace. */
    public long retransmitted() {
        return retransmitted;
    }

    public long blocksAcked() {
        return acked;
    }

    public long size() {
        return source.size();
    }

    public void close() throws IOException {
        source.close();
    }
}
