package dev.metis.transport;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.SelectStrategy;
import io.netty.util.IntSupplier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class SpinningSelectStrategyTest {

    private static final long LONG_SPIN = TimeUnit.SECONDS.toNanos(30);

    /** Nothing ready for {@code emptyPolls} polls, then {@code ready} events; counts the polls. */
    private static final class Polls implements IntSupplier {
        final AtomicInteger calls = new AtomicInteger();
        private final int emptyPolls;
        private final int ready;

        Polls(int emptyPolls, int ready) {
            this.emptyPolls = emptyPolls;
            this.ready = ready;
        }

        @Override
        public int get() {
            return calls.incrementAndGet() > emptyPolls ? ready : 0;
        }
    }

    @Test
    void idleLoopSleepsWithoutPolling() throws Exception {
        SpinningSelectStrategy strategy = new SpinningSelectStrategy(LONG_SPIN, () -> false);
        Polls polls = new Polls(0, 1);

        assertThat(strategy.calculateStrategy(polls, false)).isEqualTo(SelectStrategy.SELECT);
        assertThat(polls.calls).hasValue(0);
    }

    @Test
    void engagedLoopPollsUntilAnEventArrives() throws Exception {
        SpinningSelectStrategy strategy = new SpinningSelectStrategy(LONG_SPIN, () -> true);
        Polls polls = new Polls(1000, 2);

        assertThat(strategy.calculateStrategy(polls, false)).isEqualTo(2);
        assertThat(polls.calls).hasValue(1001);
    }

    @Test
    void pendingTasksArePolledOnceNotSpunOn() throws Exception {
        SpinningSelectStrategy strategy = new SpinningSelectStrategy(LONG_SPIN, () -> true);
        Polls polls = new Polls(5, 1);

        assertThat(strategy.calculateStrategy(polls, true)).isZero();
        assertThat(polls.calls).hasValue(1);
    }

    @Test
    void spinGivesUpAfterItsBudgetAndStopsAfterASleepLongerThanIt() throws Exception {
        long spin = TimeUnit.MILLISECONDS.toNanos(1);
        SpinningSelectStrategy strategy = new SpinningSelectStrategy(spin, () -> true);
        Polls nothing = new Polls(Integer.MAX_VALUE, 0);

        assertThat(strategy.calculateStrategy(nothing, false)).isEqualTo(SelectStrategy.SELECT);
        int spun = nothing.calls.get();
        assertThat(spun).isPositive();

        Thread.sleep(20); // the loop slept far longer than a spin lasts: the peer is slow
        assertThat(strategy.calculateStrategy(nothing, false)).isEqualTo(SelectStrategy.SELECT);
        assertThat(nothing.calls).hasValue(spun);
    }
}
