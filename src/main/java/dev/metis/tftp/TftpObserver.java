package dev.metis.tftp;

import java.net.InetSocketAddress;

/** What became of each TFTP request and transfer, as the transport reports it; the transport itself logs and counts nothing. */
public interface TftpObserver {

    /** A datagram on the request port turned away before any decision: not a read request, or no free slot. */
    void turnedAway(InetSocketAddress client, String reason);

    /** A request {@link TftpService} refused. */
    void refused(InetSocketAddress client, String fileName, String reason);

    /** A transfer ended, whichever way: {@link TftpTransfer#outcome()} says how. */
    void finished(InetSocketAddress client, String fileName, TftpTransfer transfer);
}
