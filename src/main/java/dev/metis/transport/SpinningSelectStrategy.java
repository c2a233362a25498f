package dev.metis.transport;

import io.netty.channel.SelectStrategy;
import io.netty.util.IntSupplier;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;

/**
 * While {@code engaged} (a peer is expected to answer soon), waits for the next event either by polling
 * without sleeping for up to {@code spinNanos}, as Linux's {@code busy_poll} does for sockets, or by sleeping
 * in the kernel: whichever it has measured to bring the next event sooner.
 * <p>
 * A lock-step TFTP client answers each block within tens of microseconds. Between two machines, a loop
 * that sleeps pays a wake-up for every block, most of the round trip on an idle (virtual) CPU, so polling
 * wins. When the client runs on the same machine, a loop that sleeps can instead be woken on the client's
 * own CPU and trade packets with it there without any cross-CPU wake-up, faster still; a polling loop
 * holds its CPU and rules that out. Neither placement can be known in advance, so the loop measures: it
 * times every cycle that began with a wait (the wait plus handling what arrived) over {@value #EPOCH}
 * cycles in one way, then in the other, keeps to the faster, and tries the other again now and then, less
 * often while it keeps losing. A peer slower than the spin (firmware, an idle server) makes polling
 * as slow as sleeping, and then sleeping wins, costing no CPU.
 */
final class SpinningSelectStrategy implements SelectStrategy {

    /** Cycles per measurement: enough to average out noise, few next to a boot file's hundreds of blocks. */
    static final int EPOCH = 32;
    /** The most epochs between tries of the losing way of waiting. */
    static final int MAX_TRY_GAP = 64;

    private final long spinNanos;
    private final BooleanSupplier engaged;
    private final LongSupplier clock;
    /** When the loop last began to wait for an event, or -1 when that cycle is not timed. */
    private long waitingSince = -1;
    private boolean spinning;
    private int cycles;
    private long cycleNanos;
    /** Mean cycle of each way, -1 until measured. */
    private long spinMean = -1;
    private long sleepMean = -1;
    private boolean trying;
    private int tryGap = 1;
    private int epochsUntilTry = 1;

    SpinningSelectStrategy(long spinNanos, BooleanSupplier engaged) {
        this(spinNanos, engaged, System::nanoTime);
    }

    SpinningSelectStrategy(long spinNanos, BooleanSupplier engaged, LongSupplier clock) {
        this.spinNanos = spinNanos;
        this.engaged = engaged;
        this.clock = clock;
    }

    @Override
    public int calculateStrategy(IntSupplier selectNow, boolean hasTasks) throws Exception {
        long now = clock.getAsLong();
        if (waitingSince >= 0) {
            // A cycle far longer than a spin (the peer went quiet, a timer fired) says only "slow": capped,
            // so one idle moment does not outweigh a whole epoch.
            measured(Math.min(now - waitingSince, 2 * spinNanos));
            waitingSince = -1;
        }
        if (hasTasks) {
            return selectNow.get();
        }
        if (!engaged.getAsBoolean()) {
            forget();
            return SelectStrategy.SELECT;
        }
        waitingSince = now;
        if (spinning) {
            long until = now + spinNanos;
            do {
                int ready = selectNow.get();
                if (ready > 0) {
                    return ready;
                }
                Thread.onSpinWait();
            } while (clock.getAsLong() < until);
        }
        return SelectStrategy.SELECT;
    }

    /** Whether the loop currently waits by polling. */
    boolean spinning() {
        return spinning;
    }

    private void measured(long nanos) {
        cycleNanos += nanos;
        if (++cycles < EPOCH) {
            return;
        }
        long mean = cycleNanos / cycles;
        cycles = 0;
        cycleNanos = 0;
        if (spinning) {
            spinMean = mean;
        } else {
            sleepMean = mean;
        }
        if (spinMean < 0 || sleepMean < 0) {
            spinning = spinMean < 0;
            return;
        }
        boolean spinWins = spinMean < sleepMean;
        if (trying) {
            trying = false;
            // The way just tried won: try the other again soon. It lost: wait twice as long before the next try.
            tryGap = spinning == spinWins ? 1 : Math.min(2 * tryGap, MAX_TRY_GAP);
            epochsUntilTry = tryGap;
        }
        if (--epochsUntilTry < 0) {
            trying = true;
            spinning = !spinWins;
        } else {
            spinning = spinWins;
        }
    }

    /** Between busy spells the placement may change: measure both ways afresh, sleeping first. */
    private void forget() {
        spinning = false;
        cycles = 0;
        cycleNanos = 0;
        spinMean = -1;
        sleepMean = -1;
        trying = false;
        tryGap = 1;
        epochsUntilTry = 1;
    }
}
