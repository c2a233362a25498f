package dev.metis.transport;

import static dev.metis.transport.SpinningSelectStrategy.EPOCH;
import static dev.metis.transport.SpinningSelectStrategy.MAX_TRY_GAP;
import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.SelectStrategy;
import io.netty.util.IntSupplier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;
import org.junit.jupiter.api.Test;

/** Drives the strategy as an event loop would, on a clock of its own, with waits of chosen lengths. */
class SpinningSelectStrategyTest {

    private static final long SPIN = TimeUnit.MICROSECONDS.toNanos(100);
    private static final long US = 1000;

    private final Clock clock = new Clock();
    private final AtomicBoolean engaged = new AtomicBoolean(true);
    private final SpinningSelectStrategy strategy = new SpinningSelectStrategy(SPIN, engaged::get, clock);

    private static final class Clock implements LongSupplier {
        long now = 1_000_000_000L;

        @Override
        public long getAsLong() {
            return now;
        }
    }

    /**
     * Counts polls; nothing is ready for the first {@code emptyPolls}, then {@code ready} events are. Each
     * poll takes {@code pollNanos} on the clock.
     */
    private final class Polls implements IntSupplier {
        final AtomicInteger calls = new AtomicInteger();
        private final int emptyPolls;
        private final int ready;
        private final long pollNanos;

        Polls(int emptyPolls, int ready) {
            this(emptyPolls, ready, 0);
        }

        Polls(int emptyPolls, int ready, long pollNanos) {
            this.emptyPolls = emptyPolls;
            this.ready = ready;
            this.pollNanos = pollNanos;
        }

        @Override
        public int get() {
            clock.now += pollNanos;
            return calls.incrementAndGet() > emptyPolls ? ready : 0;
        }
    }

    /**
     * Runs {@code cycles} loop cycles that each begin with a wait: the next event comes {@code sleeping}
     * after the loop sleeps and {@code polling} after it starts to poll (at once, as the loop sees it).
     *
     * @return how many of the cycles polled
     */
    private int run(int cycles, long sleeping, long polling) throws Exception {
        int polled = 0;
        for (int i = 0; i < cycles; i++) {
            int strategyResult = strategy.calculateStrategy(new Polls(0, 1), false);
            boolean spun = strategy.spinning();
            assertThat(strategyResult).isEqualTo(spun ? 1 : SelectStrategy.SELECT);
            polled += spun ? 1 : 0;
            clock.now += spun ? polling : sleeping;
        }
        return polled;
    }

    @Test
    void idleLoopSleepsWithoutPolling() throws Exception {
        engaged.set(false);
        Polls polls = new Polls(0, 1);

        for (int i = 0; i < 3 * EPOCH; i++) {
            assertThat(strategy.calculateStrategy(polls, false)).isEqualTo(SelectStrategy.SELECT);
            clock.now += 10 * US;
        }
        assertThat(polls.calls).hasValue(0);
    }

    @Test
    void pendingTasksArePolledOnceNotSpunOn() throws Exception {
        run(EPOCH + 1, 50 * US, 20 * US); // an epoch asleep measured: now polling
        assertThat(strategy.spinning()).isTrue();
        Polls polls = new Polls(5, 1);

        assertThat(strategy.calculateStrategy(polls, true)).isZero();
        assertThat(polls.calls).hasValue(1);
    }

    @Test
    void sleepsFirstThenPollsToCompare() throws Exception {
        assertThat(run(EPOCH, 10 * US, 30 * US)).isZero();
        assertThat(run(EPOCH, 10 * US, 30 * US)).isEqualTo(EPOCH);
    }

    @Test
    void keepsToSleepingWhileTheNextEventComesSoonerThatWay() throws Exception {
        run(2 * EPOCH, 10 * US, 30 * US);

        int epochs = 400;
        int polled = run(epochs * EPOCH, 10 * US, 30 * US);

        // Tries of polling after 1, 2, 4 ... 64 epochs, then every 64: a handful in 400 epochs.
        assertThat(polled % EPOCH).isZero();
        assertThat(polled / EPOCH).isBetween(5, 6 + epochs / MAX_TRY_GAP);
    }

    @Test
    void keepsToPollingWhileTheNextEventComesSoonerThatWay() throws Exception {
        run(2 * EPOCH, 60 * US, 25 * US);

        int epochs = 400;
        int polled = run(epochs * EPOCH, 60 * US, 25 * US);

        assertThat(epochs * EPOCH - polled).isBetween(5 * EPOCH, (6 + epochs / MAX_TRY_GAP) * EPOCH);
    }

    @Test
    void switchesOnceTheOtherWayBecomesFaster() throws Exception {
        run(200 * EPOCH, 60 * US, 25 * US);
        assertThat(strategy.spinning()).isTrue();

        // Placement changed: sleeping now wins. Found at the next try, at most MAX_TRY_GAP epochs away;
        // polling is then tried again after 1, 2, 4 ... epochs.
        run((MAX_TRY_GAP + 2) * EPOCH, 10 * US, 25 * US);
        int polled = run(20 * EPOCH, 10 * US, 25 * US);

        assertThat(polled).isLessThanOrEqualTo(5 * EPOCH);
    }

    @Test
    void aPeerSlowerThanTheSpinIsWaitedForAsleep() throws Exception {
        long slow = TimeUnit.MILLISECONDS.toNanos(5);
        run(2 * EPOCH, slow, slow);

        int epochs = 200;
        int polled = run(epochs * EPOCH, slow, slow);

        assertThat(polled).isLessThanOrEqualTo((6 + epochs / MAX_TRY_GAP) * EPOCH);
    }

    @Test
    void oneLongPauseDoesNotOutweighAWholeEpoch() throws Exception {
        run(EPOCH - 1, 10 * US, 30 * US);
        run(1, TimeUnit.MILLISECONDS.toNanos(50), 30 * US); // a timer, a quiet client
        run(EPOCH, 10 * US, 30 * US);

        assertThat(run(EPOCH, 10 * US, 30 * US)).isZero();
    }

    @Test
    void aSpinGivesUpAfterItsBudget() throws Exception {
        run(EPOCH + 1, 50 * US, 20 * US);
        assertThat(strategy.spinning()).isTrue();
        Polls nothing = new Polls(Integer.MAX_VALUE, 0, US);

        assertThat(strategy.calculateStrategy(nothing, false)).isEqualTo(SelectStrategy.SELECT);
        assertThat(nothing.calls.get()).isBetween(99, 101);
    }

    @Test
    void measuresAfreshAfterAnIdleSpell() throws Exception {
        run(100 * EPOCH, 60 * US, 25 * US);
        assertThat(strategy.spinning()).isTrue();

        engaged.set(false);
        strategy.calculateStrategy(new Polls(0, 1), false);
        engaged.set(true);

        assertThat(run(EPOCH, 10 * US, 25 * US)).isZero();
        assertThat(run(EPOCH, 10 * US, 25 * US)).isEqualTo(EPOCH);
    }
}
