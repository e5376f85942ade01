package io.etcdops.core.runtime;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/** Joining work started with {@link CompletableFuture#supplyAsync}: the caller sees the task's own exception. */
public final class Futures {
    private Futures() {
    }

    /**
     * Waits for {@code future} and rethrows what the task threw: its RuntimeException or Error as is, the
     * IOException inside an {@link UncheckedIOException} as that IOException (not wrapped in CompletionException).
     */
    public static <T> T join(CompletableFuture<T> future) throws IOException {
        try {
            return future.join();
        } catch (CompletionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof UncheckedIOException io) {
                throw io.getCause();
            }
            if (cause instanceof RuntimeException re) {
                throw re;
            }
            if (cause instanceof Error err) {
                throw err;
            }
            throw e;
        }
    }
}
