package io.etcdops.core.bbolt;

import java.nio.file.Path;

/** Test access to the condenser's span limit from other packages. */
public final class BoltStreamCondenserAccess {
    private BoltStreamCondenserAccess() {
    }

    public static BoltStreamCondenser withMaxSpan(Path workFile, BoltStreamCondenser.ValueCondenser values, int maxSpan) {
        return new BoltStreamCondenser(workFile, values, maxSpan);
    }
}
