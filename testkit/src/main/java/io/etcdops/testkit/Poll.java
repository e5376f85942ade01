package io.etcdops.testkit;

import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** Waiting in tests for something that happens on its own time (a process, a cluster, a controller). */
public final class Poll {

    private static final long INTERVAL_MILLIS = 200;

    private Poll() {
    }

    /** Polls {@code condition} every 200 ms; on timeout fails with what was awaited and {@code details}. */
    public static void until(String what, Duration timeout, BooleanSupplier condition, Supplier<String> details) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            if (condition.getAsBoolean()) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + timeout.toSeconds() + "s waiting for " + what + "\n" + details.get());
            }
            try {
                Thread.sleep(INTERVAL_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted waiting for " + what);
            }
        }
    }
}
