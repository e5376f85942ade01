package io.etcdops.restore;

import io.etcdops.core.runtime.JobException;
import io.etcdops.core.runtime.JobReport;
import io.etcdops.core.runtime.JobCommand;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;

/** `fetch`: download, decrypt, decompress and verify a snapshot into a file (also the restore pod's init container). */
@Command(name = "fetch", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Download a snapshot, decrypt, decompress and verify it (object sha256, db sha256, etcd's trailer, bbolt read) into --out.",
        footer = {"%nExit codes:", "  0  fetched and verified", "  1  failed (not found, store unreachable)", "  2  usage error",
                "  4  verification failed (nothing is written to --out)"})
public final class FetchCommand extends JobCommand {

    @Mixin
    SnapshotSourceOptions source;

    @Option(names = "--out", paramLabel = "FILE", required = true, defaultValue = "${env:ETCD_OPS_OUT}",
            description = "Where to write the verified snapshot (env ETCD_OPS_OUT).")
    Path out;


    @Option(names = "--room-in", paramLabel = "DIR", defaultValue = "${env:ETCD_OPS_ROOM_IN}",
            description = "After fetching, require free space for a restored copy in DIR (a member's volume); exit 3 if short.")
    Path roomIn;

    @Option(names = "--discard-old-data", defaultValue = "false",
            description = "With --room-in: if the volume is short of space, delete its old member data instead of refusing. Destructive.")
    boolean discardOldData;

    public FetchCommand() {
        super("restore-job fetch");
    }

    @Override
    protected void run(JobReport report) throws Exception {
        if (Files.isDirectory(out)) {
            throw JobException.usage("--out " + out + " is a directory; name a file");
        }
        SnapshotSourceOptions.LocalSnapshot s = source.resolve(out);
        if (roomIn != null) {
            VolumeRoom.ensure(roomIn, Files.size(out), discardOldData, report);
        }
        report.put("snapshot-uri", s.uri()).put("snapshot-name", s.name()).put("revision", s.contents().effectiveRevision())
                .put("key-count", s.contents().liveKeys()).put("file", out.toString()).put("size-bytes", Files.size(out))
                .put("verification", s.fromManifest() ? "manifest, sha256, trailer, bbolt"
                        : "plain snapshot file: only etcd's sha256 trailer and the bbolt structure were checked");
    }

}
