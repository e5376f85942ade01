package io.etcdops.restore;

import io.etcdops.core.runtime.CommonOptions;
import io.etcdops.core.runtime.ExitCode;
import io.etcdops.core.runtime.JobException;
import io.etcdops.core.runtime.JobReport;
import io.etcdops.core.runtime.ReportingCommand;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/** `fetch`: download, decrypt, decompress and verify a snapshot into a file (also the restore pod's init container). */
@Command(name = "fetch", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Download a snapshot, decrypt, decompress and verify it (object sha256, db sha256, etcd's trailer, bbolt read) into --out.",
        footer = {"%nExit codes:", "  0  fetched and verified", "  1  failed (not found, store unreachable)", "  2  usage error",
                "  4  verification failed (nothing is written to --out)"})
public final class FetchCommand implements Callable<Integer>, ReportingCommand {

    @Mixin
    SnapshotSourceOptions source;

    @Option(names = "--out", paramLabel = "FILE", required = true, defaultValue = "${env:ETCD_OPS_OUT}",
            description = "Where to write the verified snapshot (env ETCD_OPS_OUT).")
    Path out;

    @Mixin
    CommonOptions common;

    private final JobReport report = new JobReport("restore-job fetch");

    @Override
    public Integer call() throws Exception {
        if (Files.isDirectory(out)) {
            throw JobException.usage("--out " + out + " is a directory; name a file");
        }
        SnapshotSourceOptions.LocalSnapshot s = source.resolve(out);
        report.put("snapshot-uri", s.uri()).put("snapshot-name", s.name()).put("revision", s.contents().effectiveRevision())
                .put("key-count", s.contents().liveKeys()).put("file", out.toString()).put("size-bytes", Files.size(out))
                .put("verification", s.fromManifest() ? "manifest, sha256, trailer, bbolt"
                        : "plain snapshot file: only etcd's sha256 trailer and the bbolt structure were checked");
        report.finish(ExitCode.OK, null, common.outputDir, System.out);
        return 0;
    }

    @Override
    public JobReport report() {
        return report;
    }

    @Override
    public CommonOptions common() {
        return common;
    }
}
