package dev.metis.tftp;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The transfer state machine on plain objects, with time passed in by hand. */
class TftpTransferTest {

    private static byte[] content(int size) {
        byte[] bytes = new byte[size];
        for (int i = 0; i < size; i++) {
            bytes[i] = (byte) (i * 7 + i / 251);
        }
        return bytes;
    }

    private static TftpTransfer transfer(byte[] content, int blockSize, int window, Map<String, String> oack) {
        return new TftpTransfer(TftpSource.of(content), new TftpTransfer.Settings(blockSize, window, 1000, false, 3, oack));
    }

    /** Keeps what a transfer sends, as the bytes that would go on the wire. */
    private static final class Recorder implements TftpTransfer.Outbox {
        private final List<byte[]> sent = new ArrayList<>();
        private ByteBuffer data;

        @Override
        public void send(byte[] packet) {
            sent.add(packet);
        }

        @Override
        public ByteBuffer dataBuffer(int length) {
            data = ByteBuffer.allocate(length);
            return data;
        }

        @Override
        public void sendData(boolean complete) {
            if (complete) {
                sent.add(Arrays.copyOf(data.array(), data.position()));
            }
        }

        List<byte[]> take() {
            List<byte[]> taken = List.copyOf(sent);
            sent.clear();
            return taken;
        }
    }

    private final Recorder out = new Recorder();

    private List<byte[]> start(TftpTransfer transfer, long now) throws Exception {
        transfer.start(now, out);
        return out.take();
    }

    private List<byte[]> onPacket(TftpTransfer transfer, TftpPacket packet, long now) throws Exception {
        transfer.onPacket(packet, now, out);
        return out.take();
    }

    private List<byte[]> onTimeout(TftpTransfer transfer, long now) throws Exception {
        transfer.onTimeout(now, out);
        return out.take();
    }

    private static int block(byte[] packet) {
        return ((packet[2] & 0xff) << 8) | (packet[3] & 0xff);
    }

    /** Acks every packet like a well-behaved lock-step or windowed client and reassembles the file. */
    private byte[] download(TftpTransfer transfer) throws Exception {
        ByteArrayOutputStream received = new ByteArrayOutputStream();
        List<byte[]> out = start(transfer, 0);
        if (!out.isEmpty() && out.get(0)[1] == TftpPacket.OACK) {
            out = onPacket(transfer, new TftpPacket.Ack(0), 0);
        }
        while (transfer.outcome() == TftpTransfer.Outcome.RUNNING) {
            int last = 0;
            for (byte[] packet : out) {
                received.write(packet, 4, packet.length - 4);
                last = block(packet);
            }
            out = onPacket(transfer, new TftpPacket.Ack(last), 0);
        }
        return received.toByteArray();
    }

    @Test
    void filesOfEveryAwkwardSizeArriveWhole() throws Exception {
        for (int size : new int[] {0, 1, 511, 512, 513, 1024, 1 << 20}) {
            byte[] content = content(size);
            TftpTransfer lockStep = transfer(content, 512, 1, Map.of());
            assertThat(download(lockStep)).as("size %d", size).isEqualTo(content);
            assertThat(lockStep.outcome()).isEqualTo(TftpTransfer.Outcome.COMPLETE);
            assertThat(download(transfer(content, 1468, 8, Map.of("windowsize", "8")))).isEqualTo(content);
        }
    }

    @Test
    void blockNumbersWrapAfter65535() throws Exception {
        byte[] content = content(65536 * 512 + 100);
        TftpTransfer transfer = transfer(content, 512, 4, Map.of());
        assertThat(download(transfer)).isEqualTo(content);
        assertThat(transfer.blocksAcked()).isEqualTo(65536 + 1);
    }

    @Test
    void aZeroLengthFileIsOneEmptyBlock() throws Exception {
        List<byte[]> out = start(transfer(new byte[0], 512, 1, Map.of()), 0);
        assertThat(out).hasSize(1);
        assertThat(out.get(0)).containsExactly(0, 3, 0, 1);
    }

    @Test
    void timeoutsResendTheWindowAndThenGiveUp() throws Exception {
        TftpTransfer transfer = transfer(content(4000), 512, 2, Map.of());
        List<byte[]> first = start(transfer, 0);
        assertThat(first).extracting(TftpTransferTest::block).containsExactly(1, 2);
        assertThat(transfer.deadline()).isEqualTo(1000);
        onPacket(transfer, new TftpPacket.Ack(1), 10);
        List<byte[]> resent = onTimeout(transfer, 1100);
        assertThat(resent).extracting(TftpTransferTest::block).containsExactly(2, 3);
        onTimeout(transfer, 2200);
        onTimeout(transfer, 3300);
        assertThat(onTimeout(transfer, 4400)).isEmpty();
        assertThat(transfer.outcome()).isEqualTo(TftpTransfer.Outcome.TIMED_OUT);
    }

    @Test
    void aLongNegotiatedTimeoutStillGivesUpAfterTheStallLimit() throws Exception {
        TftpTransfer neverAcked = new TftpTransfer(TftpSource.of(content(4000)),
                new TftpTransfer.Settings(512, 1, 255_000, false, TftpService.MAX_RETRIES, Map.of("timeout", "255")));
        assertThat(start(neverAcked, 0)).as("the option acknowledgement").hasSize(1);
        assertThat(neverAcked.deadline()).isEqualTo(TftpTransfer.MAX_STALL_MILLIS);
        assertThat(onTimeout(neverAcked, neverAcked.deadline())).isEmpty();
        assertThat(neverAcked.outcome()).isEqualTo(TftpTransfer.Outcome.TIMED_OUT);

        TftpTransfer stalled = new TftpTransfer(TftpSource.of(content(40_000)),
                new TftpTransfer.Settings(512, 1, 25_000, false, TftpService.MAX_RETRIES, Map.of("timeout", "25")));
        start(stalled, 0);
        onPacket(stalled, new TftpPacket.Ack(0), 1_000);
        onPacket(stalled, new TftpPacket.Ack(1), 2_000);
        assertThat(onTimeout(stalled, 27_000)).extracting(TftpTransferTest::block).containsExactly(2);
        assertThat(onTimeout(stalled, 52_000)).extracting(TftpTransferTest::block).containsExactly(2);
        assertThat(stalled.deadline()).as("the stall limit comes before the next retry").isEqualTo(62_000);
        assertThat(onTimeout(stalled, 62_000)).isEmpty();
        assertThat(stalled.outcome()).isEqualTo(TftpTransfer.Outcome.TIMED_OUT);
    }

    @Test
    void withoutANegotiatedTimeoutTheTimerFollowsTheRoundTripAndBacksOff() throws Exception {
        TftpTransfer transfer = new TftpTransfer(TftpSource.of(content(40_000)),
                new TftpTransfer.Settings(512, 1, 1000, true, 3, Map.of()));
        start(transfer, 0);
        assertThat(transfer.deadline()).as("no sample yet: the ceiling").isEqualTo(1000);
        long now = 0;
        for (int block = 1; block <= 10; block++) {
            now += 2;
            onPacket(transfer, new TftpPacket.Ack(block), now);
        }
        assertThat(transfer.deadline() - now).as("a 2 ms round trip gives the floor").isEqualTo(TftpTransfer.MIN_TIMEOUT_MILLIS);
        List<byte[]> resent = onTimeout(transfer, transfer.deadline());
        assertThat(resent).extracting(TftpTransferTest::block).containsExactly(11);
        long firstRetry = transfer.deadline();
        onTimeout(transfer, firstRetry);
        assertThat(transfer.deadline() - firstRetry).as("backs off").isEqualTo(4 * TftpTransfer.MIN_TIMEOUT_MILLIS);
        onPacket(transfer, new TftpPacket.Ack(11), firstRetry + 5);
        assertThat(transfer.blocksAcked()).isEqualTo(11);
        assertThat(transfer.outcome()).isEqualTo(TftpTransfer.Outcome.RUNNING);
        assertThat(onTimeout(transfer, firstRetry + 5 + 4000)).as("gives up after (retries + 1) ceilings without progress")
                .isEmpty();
        assertThat(transfer.outcome()).isEqualTo(TftpTransfer.Outcome.TIMED_OUT);
    }

    @Test
    void duplicateAndStaleAcksSendNothing() throws Exception {
        TftpTransfer transfer = transfer(content(4000), 512, 1, Map.of());
        start(transfer, 0);
        assertThat(onPacket(transfer, new TftpPacket.Ack(1), 0)).hasSize(1);
        assertThat(onPacket(transfer, new TftpPacket.Ack(1), 0)).as("duplicate").isEmpty();
        assertThat(onPacket(transfer, new TftpPacket.Ack(9), 0)).as("ahead of what was sent").isEmpty();
        assertThat(onPacket(transfer, new TftpPacket.Ack(2), 0)).extracting(TftpTransferTest::block).containsExactly(3);
    }

    @Test
    void aClientThatStopsAfterTheOptionAckEndsCleanly() throws Exception {
        TftpTransfer transfer = transfer(content(4000), 512, 1, Map.of("tsize", "4000"));
        List<byte[]> oack = start(transfer, 0);
        assertThat(new String(oack.get(0), 2, oack.get(0).length - 2)).isEqualTo("tsize\u00004000\u0000");
        assertThat(onPacket(transfer, new TftpPacket.Error(8, "tsize only"), 5)).isEmpty();
        assertThat(transfer.outcome()).isEqualTo(TftpTransfer.Outcome.ABORTED_BY_CLIENT);
        assertThat(transfer.blocksAcked()).isZero();
    }

    @Test
    void aSourceThatShrinksEndsTheTransferWithAnErrorAndNoShortBlock() throws Exception {
        byte[] content = content(2000);
        TftpSource shrinking = new TftpSource() {
            @Override
            public long size() {
                return 4000;
            }

            @Override
            public int read(long position, ByteBuffer into) throws IOException {
                return TftpSource.of(content).read(position, into);
            }

            @Override
            public void close() {
            }
        };
        TftpTransfer transfer = new TftpTransfer(shrinking, new TftpTransfer.Settings(512, 8, 1000, false, 3, Map.of()));
        List<byte[]> sent = start(transfer, 0);
        assertThat(sent).extracting(packet -> packet[1]).containsExactly((byte) 3, (byte) 3, (byte) 3, (byte) TftpPacket.ERROR);
        assertThat(transfer.outcome()).isEqualTo(TftpTransfer.Outcome.FAILED);
        assertThat(transfer.failure()).contains("shrank");
    }
}
