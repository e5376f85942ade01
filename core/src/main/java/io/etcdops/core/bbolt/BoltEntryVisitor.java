package io.etcdops.core.bbolt;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * Receives a bucket's entries in key order (unsigned byte order, as bbolt sorts them). The buffers are read-only
 * views of the page being read and are valid only during the call: copy what must outlive it. Values can be
 * megabytes (a value spilling into overflow pages arrives as one buffer).
 */
@FunctionalInterface
public interface BoltEntryVisitor {
    void entry(ByteBuffer key, ByteBuffer value) throws IOException;

    /**
     * A nested bucket in place of a value (bbolt's ForEach reports it as the key with a nil value). etcd keeps no
     * nested buckets; the default ignores them.
     */
    default void nestedBucket(ByteBuffer name) throws IOException {
    }
}
