package dev.metis.tftp;

import static org.assertj.core.api.Assertions.assertThat;

import dev.metis.metrics.MetisMetrics;
import dev.metis.serve.MetricLabels;
import dev.metis.testing.LogCapture;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What the transport reports becomes access lines and counts. */
class TftpAccessTest {

    private static final InetSocketAddress CLIENT = new InetSocketAddress("10.77.0.146", 2070);

    private final MetisMetrics metrics = new MetisMetrics(MetricLabels.known());
    private final TftpAccess access = new TftpAccess(metrics);

    /** Sends nowhere: the transfers here are driven by hand. */
    private static final TftpTransfer.Outbox NOWHERE = new TftpTransfer.Outbox() {
        @Override
        public void send(byte[] packet) {
        }

        @Override
        public ByteBuffer dataBuffer(int length) {
            return ByteBuffer.allocate(length);
        }

        @Override
        public void sendData(boolean complete) {
        }
    };

    private static TftpTransfer started(int size) throws Exception {
        TftpTransfer transfer = new TftpTransfer(TftpSource.of(new byte[size]),
                new TftpTransfer.Settings(512, 1, 1000, false, 3, Map.of()));
        transfer.start(0, NOWHERE);
        return transfer;
    }

    @Test
    void aCompletedTransferIsAnAccessLineAndItsBytesAreCounted() throws Exception {
        TftpTransfer transfer = started(100);
        transfer.onPacket(new TftpPacket.Ack(1), 1, NOWHERE);
        try (LogCapture logs = new LogCapture()) {
            access.finished(CLIENT, "ipxe.efi", transfer);

            assertThat(logs.text()).contains("tftp 10.77.0.146 \"ipxe.efi\" sent 100 bytes, 0 packets again");
        }
        assertThat(metrics.scrape()).contains("metis_tftp_requests_total{reason=\"\",result=\"complete\"} 1.0",
                "metis_tftp_sent_bytes_total 100.0");
    }

    @Test
    void aTransferEndedOtherwiseIsCountedByHowAndLoggedWithWhy() throws Exception {
        TftpTransfer transfer = started(100);
        transfer.abandon("no progress for 3000 ms while the server was full");
        try (LogCapture logs = new LogCapture()) {
            access.finished(CLIENT, "ipxe.efi", transfer);

            assertThat(logs.text()).contains("tftp 10.77.0.146 \"ipxe.efi\" ended: TIMED_OUT no progress for 3000 ms "
                    + "while the server was full");
        }
        assertThat(metrics.scrape()).contains("metis_tftp_requests_total{reason=\"\",result=\"timed_out\"} 1.0",
                "metis_tftp_sent_bytes_total 0.0");
    }

    @Test
    void aRefusalIsAnAccessLineThatCannotBeForgedByTheFileName() {
        try (LogCapture logs = new LogCapture()) {
            access.refused(CLIENT, "a\"\nforged line", "not found");

            assertThat(logs.text()).contains("tftp 10.77.0.146 \"a??forged line\" refused: not found");
        }
        assertThat(metrics.scrape()).contains("metis_tftp_requests_total{reason=\"not found\",result=\"refused\"} 1.0");
    }

    @Test
    void aDatagramTurnedAwayIsCountedWithoutAnAccessLine() {
        try (LogCapture logs = new LogCapture()) {
            access.turnedAway(CLIENT, "client-busy");

            assertThat(logs.text()).doesNotContain("tftp");
        }
        assertThat(metrics.scrape()).contains("metis_tftp_requests_total{reason=\"client-busy\",result=\"refused\"} 1.0");
    }
}
