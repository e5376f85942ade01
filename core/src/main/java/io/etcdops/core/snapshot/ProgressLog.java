package io.etcdops.core.snapshot;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Logs transfer progress (bytes, rate, ETA) at most every few seconds, so long transfers are visibly alive. */
public final class ProgressLog implements SnapshotStreamer.ProgressListener {
    private static final Logger LOG = LoggerFactory.getLogger(ProgressLog.class);
    private final String what;
    private final long intervalNanos;
    private final long start = System.nanoTime();
    private long lastLog = start;

    public ProgressLog(String what, long intervalSeconds) {
        this.what = what;
        this.intervalNanos = intervalSeconds * 1_000_000_000L;
    }

    @Override
    public void onBytes(long done, long remaining) {
        long now = System.nanoTime();
        if (now - lastLog < intervalNanos) {
            return;
        }
        lastLog = now;
        double secs = (now - start) / 1e9;
        double rate = done / secs;
        String eta = remaining > 0 && rate > 0 ? String.format(", ETA %.0fs", remaining / rate) : "";
        LOG.info("{}: {} MiB, {} MiB/s{}", what, String.format("%.1f", done / 1048576.0), String.format("%.1f", rate / 1048576.0), eta);
    }
}
