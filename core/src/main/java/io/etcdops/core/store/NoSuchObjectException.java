package io.etcdops.core.store;

import java.io.IOException;

/** The object (or the bucket / container holding it) does not exist. */
public class NoSuchObjectException extends IOException {
    public NoSuchObjectException(String message) {
        super(message);
    }
}
