package io.etcdops.restore;

import java.nio.file.Path;

/**
 * One member to restore: its name and peer URL (as in --initial-cluster), the data dir (and optional WAL dir) it
 * will run on, and the staging dirs the restore writes first (renamed into place only after success).
 */
public record MemberRestore(String name, String peerUrl, Path dataDir, Path walDir, String stamp) {

    public Path stagingDir() {
        return dataDir.resolveSibling(dataDir.getFileName() + ".restoring-" + stamp);
    }

    public Path walStagingDir() {
        return walDir == null ? null : walDir.resolveSibling(walDir.getFileName() + ".restoring-" + stamp);
    }

    public Path backupDir() {
        return dataDir.resolveSibling(dataDir.getFileName() + ".bak-" + stamp);
    }

    public Path walBackupDir() {
        return walDir == null ? null : walDir.resolveSibling(walDir.getFileName() + ".bak-" + stamp);
    }
}
