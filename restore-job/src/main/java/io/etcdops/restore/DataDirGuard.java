package io.etcdops.restore;

import io.etcdops.core.runtime.JobException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Protects existing etcd data: refuses a data dir that a running process holds open (etcd keeps its WAL and db
 * open), and moves an existing data dir aside to {@code <dir>.bak-<timestamp>} — a rename on the same volume, never
 * a delete. Safety invariant 2 of docs/design.md.
 */
public final class DataDirGuard {
    private static final Logger LOG = LoggerFactory.getLogger(DataDirGuard.class);

    private DataDirGuard() {
    }

    /** The pid of a process with a file open under {@code dir}, found through /proc (Linux). */
    public static Optional<Long> holder(Path dir) {
        Path proc = Path.of("/proc");
        if (!Files.isDirectory(proc) || !Files.exists(dir)) {
            return Optional.empty();
        }
        Path real;
        try {
            real = dir.toRealPath();
        } catch (IOException e) {
            return Optional.empty();
        }
        long self = ProcessHandle.current().pid();
        try (DirectoryStream<Path> pids = Files.newDirectoryStream(proc, p -> p.getFileName().toString().matches("\\d+"))) {
            for (Path pidDir : pids) {
                long pid = Long.parseLong(pidDir.getFileName().toString());
                if (pid == self) {
                    continue;
                }
                try (Stream<Path> fds = Files.list(pidDir.resolve("fd"))) {
                    boolean holds = fds.anyMatch(fd -> {
                        try {
                            return Files.readSymbolicLink(fd).startsWith(real);
                        } catch (IOException | UnsupportedOperationException e) {
                            return false;
                        }
                    });
                    if (holds) {
                        return Optional.of(pid);
                    }
                } catch (IOException | SecurityException e) {
                    // process gone or not ours to inspect
                }
            }
        } catch (IOException e) {
            LOG.debug("cannot scan /proc", e);
        }
        return Optional.empty();
    }

    public static void refuseIfInUse(Path dir) {
        holder(dir).ifPresent(pid -> {
            throw JobException.refused("data dir " + dir + " is in use by a running process (pid " + pid
                    + "); stop etcd on this member before restoring");
        });
    }

    /** Moves {@code dir} to {@code backup} if it holds anything; removes it if it is an empty folder. Returns whether it moved. */
    public static boolean moveAside(Path dir, Path backup) throws IOException {
        if (dir == null || !Files.exists(dir)) {
            return false;
        }
        if (Files.isDirectory(dir)) {
            try (Stream<Path> s = Files.list(dir)) {
                if (s.findAny().isEmpty()) {
                    Files.delete(dir);
                    return false;
                }
            }
        }
        Files.move(dir, backup, StandardCopyOption.ATOMIC_MOVE);
        LOG.info("moved the existing data {} aside to {} (not deleted)", dir, backup);
        return true;
    }
}
