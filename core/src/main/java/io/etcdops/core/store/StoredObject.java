package io.etcdops.core.store;

import java.time.Instant;

/** A committed object in a store: its key (relative to the store prefix), size and last-modified time. */
public record StoredObject(String key, long size, Instant lastModified) {
}
