package dev.metis.transport;

import io.netty.channel.SelectStrategy;
import io.netty.util.IntSupplier;
import java.util.function.BooleanSupplier;

/**
 * Polls without sleeping for a short while before an event loop blocks, as Linux's {@code busy_poll}
 * does for sockets, but only while {@code engaged} says a peer is expected to answer soon.
 * <p>
 * A lock-step TFTP client answers each block within tens of microseconds on a LAN; a thread that
 * sleeps in {@code epoll_wait} between blocks pays a wake-up for every block, and on an idle
 * (virtual) CPU that wake-up is most of the round trip. The spin stops being tried once waits are
 * seen to last longer than the spin (a slow firmware client, an idle server), so it costs CPU only
 * while it pays.
 */
final class SpinningSelectStrategy implements SelectStrategy {

    private final long spinNanos;
    private final BooleanSupplier engaged;
    /** When the loop last began to wait for an event (spinning, then sleeping), or -1 while it works. */
    private long waitingSince = -1;
    private boolean spinPays = true;

    SpinningSelectStrategy(long spinNanos, BooleanSupplier engaged) {
        this.spinNanos = spinNanos;
        this.engaged = engaged;
    }

    @Override
    public int calculateStrategy(IntSupplier selectNow, boolean hasTasks) throws Exception {
        long now = System.nanoTime();
        if (waitingSince >= 0) {
            // The loop slept until an event or a timer: would a spin alone have caught it?
            spinPays = now - waitingSince < spinNanos;
            waitingSince = -1;
        }
        if (hasTasks) {
            return selectNow.get();
        }
        waitingSince = now;
        if (spinPays && engaged.getAsBoolean()) {
            long until = now + spinNanos;
            do {
                int ready = selectNow.get();
                if (ready > 0) {
                    waitingSince = -1;
                    return ready;
                }
                Thread.onSpinWait();
            } while (System.nanoTime() < until);
        }
        return SelectStrategy.SELECT;
    }
}
