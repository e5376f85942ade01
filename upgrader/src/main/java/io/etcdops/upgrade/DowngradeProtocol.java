package io.etcdops.upgrade;

import io.etcdops.core.etcd.ClusterView;
import io.etcdops.core.etcd.MaintenanceRpc;
import io.etcdops.core.etcd.MaintenanceRpc.DowngradeAction;
import io.etcdops.core.etcd.MaintenanceRpc.VersionStatus;
import io.etcdops.core.etcd.MemberInfo;
import io.etcdops.core.etcd.MemberStatus;
import io.etcdops.core.runtime.JobException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * etcd's cross-minor downgrade protocol (3.6+ servers), before any binary changes: {@code downgrade validate <minor>}
 * (pre-flight: a refusal changes nothing), {@code downgrade enable <minor>}, then wait until the cluster version is the
 * target minor and every member still on the newer binary reports the target storage version (etcd rewrites its db's
 * storage version within seconds: 3.6.16 took ~4 s). Only then may the older binaries replace the newer ones. A job that
 * stops before any binary changed sends {@code downgrade cancel}, and the cluster is as before; once a member runs
 * the older binary the downgrade stays enabled so the next run resumes it (checked with the real binaries: cancel
 * with one 3.6.16 member among 3.7.3 keeps cluster version 3.6 and every member healthy).
 */
final class DowngradeProtocol {
    private static final Logger LOG = LoggerFactory.getLogger(DowngradeProtocol.class);

    private final ClusterProbe probe;

    DowngradeProtocol(ClusterProbe probe) {
        this.probe = probe;
    }

    /** Every member's answer, in member order (absent for a member that does not answer). */
    Map<MemberInfo, Optional<VersionStatus>> statuses(ClusterView view) {
        Map<MemberInfo, Optional<VersionStatus>> m = new LinkedHashMap<>();
        for (MemberInfo member : view.members()) {
            m.put(member, probe.versionStatus(member));
        }
        return m;
    }

    /** The downgrade job etcd has enabled, as {@code 3.6.0}, if any member reports one. */
    Optional<String> enabledTarget(ClusterView view) {
        return statuses(view).values().stream().flatMap(Optional::stream).filter(VersionStatus::downgradeEnabled)
                .map(VersionStatus::downgradeTarget).findFirst();
    }

    /** {@code downgrade validate}: refuses (exit 3) with etcd's reason; sends nothing when already enabled for the target. */
    void validate(ClusterView view, EtcdVersion to) {
        if (enabledTarget(view).map(t -> EtcdVersion.tryParse(t).map(to::sameMinor).orElse(false)).orElse(false)) {
            return;
        }
        try {
            MaintenanceRpc.downgrade(probe.config(), endpoint(view), DowngradeAction.VALIDATE, to.minorString());
        } catch (JobException e) {
            throw JobException.refused("etcd does not accept a downgrade to " + to.minorString() + ": " + e.getMessage());
        }
    }

    /**
     * {@code downgrade enable} unless already enabled for {@code to}, then waits for the storage versions. Returns what
     * it did, for the report.
     */
    Map<String, Object> enable(EtcdVersion to, EtcdVersion from, Duration timeout) {
        Map<String, Object> r = new LinkedHashMap<>();
        ClusterView view = probe.view();
        Optional<String> enabled = enabledTarget(view);
        if (enabled.isPresent()) {
            if (!EtcdVersion.tryParse(enabled.get()).map(to::sameMinor).orElse(false)) {
                throw JobException.refused("etcd has a downgrade to " + enabled.get() + " enabled, not to " + to.minorString()
                        + "; cancel it first (etcdctl downgrade cancel)");
            }
            LOG.info("etcd's downgrade to {} is enabled already (a resumed run)", enabled.get());
            r.put("enable", "already enabled (target " + enabled.get() + ")");
        } else {
            Instant t = Instant.now();
            String cv = MaintenanceRpc.downgrade(probe.config(), endpoint(view), DowngradeAction.ENABLE, to.minorString());
            LOG.info("downgrade enable {} sent (cluster version was {})", to.minorString(), cv);
            r.put("enable", "sent at " + t + " (cluster version was " + cv + ")");
        }
        Instant start = Instant.now();
        Instant deadline = start.plus(timeout);
        String last = "";
        while (Instant.now().isBefore(deadline)) {
            ClusterView v = probe.view();
            List<String> waiting = new ArrayList<>();
            Optional<EtcdVersion> cluster = v.leader().flatMap(l -> probe.clusterVersion(l.endpoint()));
            if (cluster.map(c -> !c.sameMinor(to)).orElse(true)) {
                waiting.add("cluster version " + cluster.map(EtcdVersion::minorString).orElse("unknown"));
            }
            for (var e : statuses(v).entrySet()) {
                String version = v.status(e.getKey().id()).map(MemberStatus::version).orElse("");
                boolean olderBinary = EtcdVersion.tryParse(version).map(x -> x.sameMinor(to)).orElse(false);
                String storage = e.getValue().map(VersionStatus::storageVersion).orElse("?");
                if (!olderBinary && !EtcdVersion.tryParse(storage).map(to::sameMinor).orElse(false)) {
                    waiting.add(e.getKey().label() + " storage version " + storage);
                }
            }
            if (waiting.isEmpty()) {
                r.put("storage-version", to.minorString() + ".0 on every member");
                r.put("seconds", MemberRestart.seconds(start, Instant.now()));
                LOG.info("every member's storage version is {}.0 ({}s)", to.minorString(), r.get("seconds"));
                return r;
            }
            last = String.join(", ", waiting);
            sleep();
        }
        throw JobException.failed("downgrade enabled, but after " + timeout.toSeconds() + "s still waiting for: " + last);
    }

    /** {@code downgrade cancel}; returns a line for the report (never throws: this runs while stopping). */
    String cancel() {
        try {
            String cv = MaintenanceRpc.downgrade(probe.config(), endpoint(probe.view()), DowngradeAction.CANCEL, null);
            LOG.warn("downgrade cancelled (cluster version {})", cv);
            return "cancelled (etcd's downgrade job is off; no member changed its binary)";
        } catch (RuntimeException e) {
            return "cancel FAILED: " + e.getMessage() + "; run: etcdctl downgrade cancel";
        }
    }

    /**
     * A downgrade run stops: cancels etcd's downgrade job if no member runs the older minor yet (then the cluster is as
     * before), else leaves it enabled for the resume. Puts {@code downgrade-job} into the report; returns a sentence for
     * the stop message.
     */
    String onStop(EtcdVersion to, io.etcdops.core.runtime.JobReport report) {
        boolean anyOnTarget;
        try {
            anyOnTarget = probe.view().statuses().stream()
                    .anyMatch(st -> EtcdVersion.tryParse(st.version()).map(v -> v.sameMinor(to)).orElse(false));
        } catch (RuntimeException e) {
            anyOnTarget = true; // not known: leave etcd's downgrade job as it is
        }
        if (anyOnTarget) {
            report.put("downgrade-job", "still enabled: a member runs " + to.minorString() + " already");
            return " etcd's downgrade to " + to.minorString() + " stays enabled (a member runs it already): resuming finishes "
                    + "it; to go back instead run etcdctl downgrade cancel first.";
        }
        report.put("downgrade-job", cancel());
        return " etcd's downgrade job: " + report.get("downgrade-job") + ".";
    }

    /** After the last member: waits until no member reports the downgrade job any more (etcd ends it by itself). */
    boolean awaitFinished(Duration timeout) {
        Instant deadline = Instant.now().plus(timeout);
        while (Instant.now().isBefore(deadline)) {
            if (enabledTarget(probe.view()).isEmpty()) {
                return true;
            }
            sleep();
        }
        return false;
    }

    private URI endpoint(ClusterView view) {
        return view.statuses().stream().filter(MemberStatus::reachable).map(MemberStatus::endpoint).findFirst()
                .orElseThrow(() -> JobException.failed("no etcd member answers"));
    }

    private static void sleep() {
        try {
            Thread.sleep(500);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw JobException.failed("interrupted");
        }
    }
}
