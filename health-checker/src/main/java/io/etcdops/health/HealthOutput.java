package io.etcdops.health;

import io.etcdops.core.runtime.Json;
import io.etcdops.core.runtime.JobReport;
import io.etcdops.health.action.ActionResult;
import io.etcdops.health.backup.BackupAge;
import io.etcdops.health.hashkv.HashKvComparison;
import io.etcdops.health.kube.StatefulSetComparison;
import io.etcdops.health.kube.StatefulSetState;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The machine-readable side of a run: the values of the JSON summary line (and so of the per-key --output-dir
 * files, {@code status} among them) plus {@code findings.json} and {@code health.json} in --output-dir.
 */
final class HealthOutput {

    private final HealthEvaluator.Evaluation ev;
    private final List<ActionResult> actions;

    HealthOutput(HealthEvaluator.Evaluation ev, List<ActionResult> actions) {
        this.ev = ev;
        this.actions = actions;
    }

    /** The status word: healthy, warning or critical. */
    static String statusWord(Severity s) {
        return s == Severity.OK ? "healthy" : s.label();
    }

    void fill(JobReport report, boolean full) {
        ClusterHealth c = ev.cluster();
        report.put("status", statusWord(ev.status()));
        report.put("criticals", ev.count(Severity.CRITICAL));
        report.put("warnings", ev.count(Severity.WARNING));
        if (c.clusterId() != null) {
            report.put("cluster-id", c.clusterId());
        }
        report.put("leader", c.leader() == null ? "" : c.leader());
        report.put("quorum-margin", c.quorumMargin());
        report.put("members-reachable", c.reachable() + "/" + c.members());
        if (c.statefulSet() != null) {
            report.put("statefulset", c.statefulSet());
        }
        List<Map<String, Object>> problems = new ArrayList<>();
        for (Finding f : ev.findings()) {
            if (f.severity() != Severity.OK) {
                Map<String, Object> p = new LinkedHashMap<>();
                p.put("severity", f.severity().label());
                p.put("subject", f.subject());
                p.put("check", f.check());
                p.put("message", f.message());
                problems.add(p);
            }
        }
        report.put("problems", problems);
        if (!actions.isEmpty()) {
            report.put("actions", actions);
        }
        if (full) {
            report.put("cluster", c);
            report.put("members", ev.members());
            report.put("findings", ev.findings());
        }
    }

    void writeFiles(Path dir) {
        try {
            Files.createDirectories(dir);
            write(dir, "findings.json", Json.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(ev.findings()));
            Map<String, Object> all = new LinkedHashMap<>();
            all.put("status", statusWord(ev.status()));
            all.put("cluster", ev.cluster());
            all.put("members", ev.members());
            all.put("findings", ev.findings());
            all.put("actions", actions);
            write(dir, "health.json", Json.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(all));
        } catch (IOException e) {
            System.err.println("could not write --output-dir " + dir + ": " + e.getMessage());
        }
    }

    private static void write(Path dir, String name, String text) throws IOException {
        Path tmp = dir.resolve("." + name + ".tmp");
        Files.writeString(tmp, text, StandardCharsets.UTF_8);
        Files.move(tmp, dir.resolve(name), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /**
     * The evaluation when no endpoint answered at all: one critical finding, plus the backup age if asked for and
     * (with --statefulset) what the pods say, which is then the best clue.
     */
    static HealthEvaluator.Evaluation unreachable(String error, BackupAge backup, Thresholds t, StatefulSetState sts) {
        List<Finding> findings = new ArrayList<>();
        findings.add(Finding.critical("reachable", Finding.CLUSTER, "no etcd endpoint answered: " + error,
                "Check that etcd runs and that --endpoints (ETCDCTL_ENDPOINTS) or the StatefulSet's client URLs, TLS files and credentials are right; "
                        + "if every member is down start them; if their data is lost, restore (restore-job)."));
        if (backup != null) {
            findings.add(BackupFindings.finding(backup, t.backupMaxAge()));
        }
        if (sts != null) {
            findings.addAll(StatefulSetComparison.podFindings(sts));
        }
        ClusterHealth c = new ClusterHealth(null, 0, 0, 0, 0, null, false, 0, 0, -1, List.of(), true, HealthEvaluator.DEFAULT_QUOTA,
                "default", null, List.of(), HashKvComparison.compare(0, List.of()), backup,
                sts == null ? null : sts.describe(), sts == null ? null : sts.target().replicas());
        return new HealthEvaluator.Evaluation(c, List.of(), findings);
    }
}
