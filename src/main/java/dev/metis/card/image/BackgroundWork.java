package dev.metis.card.image;

import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.FutureTask;

/** Work on a thread of its own while the caller streams, and what it gave once the caller needs it. */
public final class BackgroundWork {

    private BackgroundWork() {
    }

    /** Starts {@code work} on a thread of its own, given up with the process if nobody waits for it. */
    public static <T> Future<T> start(String name, Callable<T> work) {
        FutureTask<T> task = new FutureTask<>(work);
        Thread thread = new Thread(task, name);
        thread.setDaemon(true);
        thread.start();
        return task;
    }

    /** What work on another thread gave, waiting for it; what made it fail is thrown as a CardException. */
    public static <T> T result(Future<T> work) throws CardException {
        try {
            return work.get();
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            throw cause instanceof CardException card ? card
                    : new CardException("writing failed: " + cause.getMessage(), cause);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CardException("interrupted", e);
        }
    }
}
