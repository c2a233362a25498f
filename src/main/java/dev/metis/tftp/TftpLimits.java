package dev.metis.tftp;

/**
 * What TFTP may hold at once.
 *
 * @param maxTransfers       transfers running at once
 * @param maxPerClient       transfers running at once for one client address (firmware runs one)
 * @param reclaimAfterMillis when a request finds no free slot, a transfer without progress for this
 *                           long gives its slot up to it (the longest stalled first)
 */
public record TftpLimits(int maxTransfers, int maxPerClient, long reclaimAfterMillis) {
    public static final TftpLimits DEFAULT = new TftpLimits(1024, 32, 3_000);

    public TftpLimits withMaxPerClient(int perClient) {
        return new TftpLimits(maxTransfers, perClient, reclaimAfterMillis);
    }
}
