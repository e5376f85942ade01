package io.etcdops.restore;

import io.etcdops.core.runtime.JobReport;
import io.etcdops.core.runtime.Pushgateway;
import io.etcdops.core.runtime.JobCommand;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/** `drill`: prove a backup restorable by restoring it into a scratch single-member etcd and reading it back. */
@Command(name = "drill", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Restore the latest (or a chosen) snapshot into a throwaway single-member etcd on this machine, start it, "
                + "compare revision and key count with the manifest, tear it down and report. Touches no real member."},
        footer = {"%nExit codes:", "  0  the backup is restorable", "  1  failed (snapshot not found, etcd did not start)",
                "  2  usage error", "  4  verification failed (corrupt snapshot, wrong key, data differs after restore)"})
public final class DrillCommand extends JobCommand {

    @Mixin
    SnapshotSourceOptions source;

    @Option(names = "--etcdutl", paramLabel = "PATH", defaultValue = "${env:ETCD_OPS_ETCDUTL}",
            description = "etcdutl (3.5+) or etcdctl (3.4); default the first on PATH (env ETCD_OPS_ETCDUTL).")
    Path etcdutl;

    @Option(names = "--etcd", paramLabel = "PATH", defaultValue = "${env:ETCD_OPS_ETCD}",
            description = "etcd binary to start; default the one next to --etcdutl, else on PATH (env ETCD_OPS_ETCD).")
    Path etcd;

    @Option(names = "--bump-revision", paramLabel = "N", defaultValue = "${env:ETCD_OPS_BUMP_REVISION:-1000000000}",
            description = "Bump used in the drill, as a real restore would (env ETCD_OPS_BUMP_REVISION; default ${DEFAULT-VALUE}).")
    long bumpRevision;

    @Option(names = "--work-dir", paramLabel = "DIR", defaultValue = "${env:ETCD_OPS_SPOOL_DIR}",
            description = "Scratch space for the snapshot and the throwaway member (env ETCD_OPS_SPOOL_DIR; default the system temp dir).")
    Path workDir;

    @Option(names = "--pushgateway-url", paramLabel = "URL", defaultValue = "${env:ETCD_OPS_PUSHGATEWAY_URL}",
            description = "Push etcd_ops_restore_drill_* metrics here (env ETCD_OPS_PUSHGATEWAY_URL).")
    String pushgatewayUrl;


    public DrillCommand() {
        super("restore-job drill");
    }

    @Override
    protected void run(JobReport report) throws Exception {
        boolean ok = false;
        try {
            new RestoreDrill(source, RestoreTool.locate(etcdutl), etcd, bumpRevision,
                    workDir == null ? Path.of(System.getProperty("java.io.tmpdir")) : workDir, report).run();
            ok = true;
        } finally {
            if (pushgatewayUrl != null && !pushgatewayUrl.isBlank()) {
                Map<String, Number> m = new LinkedHashMap<>();
                m.put("etcd_ops_restore_drill_last_run_timestamp_seconds", Instant.now().getEpochSecond());
                m.put("etcd_ops_restore_drill_last_run_success", ok ? 1 : 0);
                if (ok) {
                    m.put("etcd_ops_restore_drill_last_success_timestamp_seconds", Instant.now().getEpochSecond());
                    m.put("etcd_ops_restore_drill_seconds_to_healthy", (Number) report.get("seconds-to-healthy"));
                }
                Pushgateway.push(pushgatewayUrl, "etcd-ops-restore-drill", Map.of("cluster", source.cluster.get()), m, ok);
            }
        }
    }

}
