package io.etcdops.restore;

import io.etcdops.core.runtime.JobException;
import io.etcdops.core.runtime.JobReport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * Restoring next to the old data needs room for one more db on the member's volume. Without room the restore is
 * refused (exit 3) — unless --discard-old-data, the explicit destructive choice, lets the old member data go first.
 */
final class VolumeRoom {
    private static final Logger LOG = LoggerFactory.getLogger(VolumeRoom.class);

    private VolumeRoom() {
    }

    static void ensure(Path volume, long snapshotBytes, boolean discardOldData, JobReport report) throws IOException {
        long need = snapshotBytes + snapshotBytes / 10 + 16L * 1024 * 1024;
        long free = Files.getFileStore(volume).getUsableSpace();
        report.put("volume-free-bytes", free).put("volume-needed-bytes", need);
        if (free >= need) {
            return;
        }
        if (!discardOldData) {
            throw JobException.refused("volume " + volume + " has " + free / 1048576 + " MiB free, the restore needs "
                    + need / 1048576 + " MiB next to the old data; grow the volume, or pass --discard-old-data to delete the old data first");
        }
        try (Stream<Path> s = Files.walk(volume)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                if (!p.equals(volume) && p.toString().contains("/member")) {
                    Files.deleteIfExists(p);
                }
            }
        }
        LOG.warn("--discard-old-data: deleted the old member data on {} to make room", volume);
        report.put("discarded-old-data", true);
    }
}
