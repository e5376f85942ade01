package io.etcdops.core.store;

import java.io.IOException;

/**
 * The store cannot be used as configured: missing bucket or container, denied or missing credentials. Jobs map it
 * to exit 1 with its one-line message, which names the store and the likely fix.
 */
public class StoreAccessException extends IOException {
    public StoreAccessException(String message, Throwable cause) {
        super(message, cause);
    }

    public StoreAccessException(String message) {
        super(message);
    }
}
