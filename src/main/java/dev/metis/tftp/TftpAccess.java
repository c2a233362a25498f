package dev.metis.tftp;

import dev.metis.metrics.AccessLog;
import dev.metis.metrics.MetisMetrics;
import java.net.InetSocketAddress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Writes the access log and counts the metrics of what the TFTP transport reports. */
public final class TftpAccess implements TftpObserver {

    private static final Logger LOG = LoggerFactory.getLogger(TftpAccess.class);
    private static final int MAX_NAME = 120;

    private final MetisMetrics metrics;

    public TftpAccess(MetisMetrics metrics) {
        this.metrics = metrics;
    }

    @Override
    public void turnedAway(InetSocketAddress client, String reason) {
        metrics.tftpRefused(reason);
    }

    @Override
    public void refused(InetSocketAddress client, String fileName, String reason) {
        metrics.tftpRefused(reason);
        AccessLog.LOG.info("tftp {} \"{}\" refused: {}", client.getAddress().getHostAddress(),
                AccessLog.printable(fileName, MAX_NAME), reason);
    }

    @Override
    public void finished(InetSocketAddress client, String fileName, TftpTransfer transfer) {
        long bytes = transfer.outcome() == TftpTransfer.Outcome.COMPLETE ? transfer.size() : 0;
        metrics.tftpFinished(transfer.outcome().label(), bytes, transfer.retransmitted());
        if (transfer.outcome() == TftpTransfer.Outcome.COMPLETE) {
            if (AccessLog.LOG.isInfoEnabled()) {
                AccessLog.LOG.info("tftp {} \"{}\" sent {} bytes, {} packets again", client.getAddress().getHostAddress(),
                        AccessLog.printable(fileName, MAX_NAME), transfer.size(), transfer.retransmitted());
            }
        } else if (transfer.outcome() == TftpTransfer.Outcome.ABORTED_BY_CLIENT && transfer.blocksAcked() == 0) {
            // Firmware asks for tsize only, then stops after the OACK: normal, not worth a warning.
            LOG.debug("tftp {} \"{}\": {}", client, fileName, transfer.failure());
        } else {
            LOG.info("tftp {} \"{}\" ended: {} {}", client.getAddress().getHostAddress(),
                    AccessLog.printable(fileName, MAX_NAME), transfer.outcome(), transfer.failure());
        }
    }
}
