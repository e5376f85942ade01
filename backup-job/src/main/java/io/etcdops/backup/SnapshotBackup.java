package io.etcdops.backup;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.options.GetOption;
import io.etcdops.core.crypto.SnapshotCipher;
import io.etcdops.core.etcd.ClusterView;
import io.etcdops.core.etcd.EtcdSession;
import io.etcdops.core.etcd.MemberInfo;
import io.etcdops.core.etcd.MemberStatus;
import io.etcdops.core.runtime.Futures;
import io.etcdops.core.runtime.JobException;
import io.etcdops.core.runtime.JobReport;
import io.etcdops.core.runtime.Pushgateway;
import io.etcdops.core.snapshot.SnapshotManifest;
import io.etcdops.core.snapshot.SnapshotNames;
import io.etcdops.core.snapshot.SnapshotStreamer;
import io.etcdops.core.store.SnapshotStore;
import io.etcdops.core.store.SnapshotStores;
import io.etcdops.core.store.StoreAccessException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * One backup run: choose the member, stream + verify + upload ({@link SnapshotUpload}), commit the manifest, then
 * retention. A failure before the manifest leaves nothing behind (the upload is aborted); retention runs only after
 * a committed, verified snapshot.
 */
public final class SnapshotBackup {
    private static final Logger LOG = LoggerFactory.getLogger(SnapshotBackup.class);

    private final BackupSettings settings;
    private final JobReport report;

    public SnapshotBackup(BackupSettings settings, JobReport report) {
        this.settings = settings;
        this.report = report;
    }

    public void run() throws IOException {
        LOG.info("etcd: {}", settings.etcd());
        LOG.info("store: {} (cluster '{}', compression {}, encryption {}, verify {})", settings.store().uri(), settings.cluster(),
                settings.compression().label(), settings.key() == null ? "off" : "key " + settings.key().id(),
                settings.verifyFull() ? "full" : "trailer");
        boolean succeeded = false;
        // The store's client (an SDK) starts while etcd is asked for its members: they do not depend on each other.
        CompletableFuture<SnapshotStore> opening = CompletableFuture.supplyAsync(this::openStore);
        try (EtcdSession etcd = openEtcd(opening); SnapshotStore store = Futures.join(opening)) {
            ClusterView view = etcd.view();
            List<MemberStatus> candidates = candidates(view);
            report.put("cluster-id", view.clusterIdHex());
            if (settings.dryRun()) {
                dryRun(store, view, candidates);
                return;
            }
            SnapshotUpload.Result result = snapshotFromFirstWorking(etcd, store, view, candidates);
            commitManifest(store, view, result);
            succeeded = true;
            if (settings.retention().enabled()) {
                RetentionCleaner.Outcome o = new RetentionCleaner(store, settings.cluster()).apply(settings.retention(), Instant.now(), false);
                report.put("retention-deleted", o.deleted()).put("retention-kept", o.kept().size())
                        .put("incomplete-cleaned", o.cleanedIncomplete());
            }
        } finally {
            push(succeeded);
        }
    }

    private SnapshotStore openStore() {
        try {
            // the parts in flight wait in the spool directory, not on the heap: memory independent of part size
            SnapshotStore store = SnapshotStores.open(settings.store(), settings.storeOptions().withPartBufferDir(settings.spoolDir()));
            try {
                store.checkAccess();
            } catch (StoreAccessException e) {
                store.close();
                throw JobException.failed(e.getMessage(), e);
            }
            return store;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Opens etcd while the store is opening; if etcd fails, the store is closed once it is open. */
    private EtcdSession openEtcd(CompletableFuture<SnapshotStore> opening) {
        try {
            return EtcdSession.open(settings.etcd());
        } catch (RuntimeException e) {
            opening.thenAccept(store -> {
                try {
                    store.close();
                } catch (IOException | RuntimeException ignored) {
                    // the run already failed on etcd; nothing was written
                }
            });
            throw e;
        }
    }

    private List<MemberStatus> candidates(ClusterView view) {
        if (settings.member() != null) {
            MemberInfo m = view.memberByName(settings.member()).orElseThrow(() -> JobException.usage(
                    "--member " + settings.member() + ": no such member; members are "
                            + view.members().stream().map(MemberInfo::label).toList()));
            MemberStatus s = view.status(m.id()).orElseThrow();
            if (!s.reachable()) {
                throw JobException.failed("--member " + settings.member() + " is unreachable: " + s.error());
            }
            return List.of(s);
        }
        List<MemberStatus> c = view.snapshotCandidates();
        if (c.isEmpty()) {
            StringBuilder why = new StringBuilder();
            view.statuses().forEach(s -> why.append(s.member().label()).append(": ")
                    .append(s.reachable() ? (s.leaderId() == 0 ? "no leader" : "errors " + s.errors()) : s.error()).append("; "));
            throw JobException.refused("no healthy member to snapshot (" + why.toString().replaceAll("; $", "") + ")");
        }
        return c;
    }

    private SnapshotUpload.Result snapshotFromFirstWorking(EtcdSession etcd, SnapshotStore store, ClusterView view,
                                                          List<MemberStatus> candidates) throws IOException {
        SnapshotCipher cipher = settings.key() == null ? null : new SnapshotCipher(settings.key());
        List<String> failures = new ArrayList<>();
        for (MemberStatus m : candidates) {
            long revisionHint = currentRevision(etcd);
            SnapshotUpload upload = new SnapshotUpload(settings, store, cipher, new SnapshotStreamer(settings.etcd(), settings.streamIdleTimeout()));
            try {
                LOG.info("snapshotting member {} ({}{}) at revision ~{}", m.member().label(), m.endpoint(),
                        m.isLeader() ? ", the leader: no healthy follower" : ", a follower", revisionHint);
                return upload.run(m, revisionHint, Instant.now());
            } catch (SnapshotStreamer.SnapshotStreamException e) {
                LOG.warn("{}; trying another member", e.getMessage());
                failures.add(m.member().label() + ": " + e.getMessage());
            }
        }
        throw JobException.failed("snapshot failed on every candidate member: " + String.join("; ", failures));
    }

    private long currentRevision(EtcdSession etcd) {
        return etcd.await("get revision", () -> etcd.client().getKVClient().get(ByteSequence.from(new byte[] {0}),
                GetOption.builder().withCountOnly(true).build()), settings.etcd().commandTimeout()).getHeader().getRevision();
    }

    private void commitManifest(SnapshotStore store, ClusterView view, SnapshotUpload.Result r) throws IOException {
        SnapshotManifest manifest = r.manifest(settings, view);
        String manifestKey = SnapshotNames.manifestKey(settings.cluster(), r.stem());
        try (var up = store.begin(manifestKey)) {
            up.stream().write(manifest.toJson());
            up.commit();
        } catch (IOException | RuntimeException e) {
            LOG.error("writing the manifest failed; deleting the snapshot object so nothing half-committed stays");
            try {
                store.delete(r.objectKey());
            } catch (IOException cleanup) {
                LOG.warn("could not delete {}: {}", r.objectKey(), cleanup.getMessage());
            }
            throw JobException.failed("writing manifest " + manifestKey + " failed: " + e.getMessage(), e);
        }
        String uri = store.uri().toString().replaceAll("/+$", "") + "/" + r.objectKey();
        LOG.info("committed {} (revision {}, {} keys, {} MiB raw, {} MiB stored, {}s)", SnapshotNames.manifestKey(settings.cluster(), r.stem()),
                r.contents().effectiveRevision(), r.contents().liveKeys(), String.format("%.1f", r.rawSize() / 1048576.0),
                String.format("%.1f", r.storedSize() / 1048576.0), String.format("%.1f", r.seconds()));
        report.put("snapshot-uri", uri).put("snapshot-name", r.stem()).put("manifest-key", manifestKey)
                .put("member", r.member().member().label()).put("etcd-version", r.member().version())
                .put("storage-version", r.storageVersion())
                .put("revision", r.contents().effectiveRevision()).put("key-count", r.contents().liveKeys())
                .put("size-bytes", r.storedSize()).put("db-size-bytes", r.rawSize())
                .put("sha256", r.storedSha256()).put("db-sha256", r.dbSha256())
                .put("compression", settings.compression().label())
                .put("encryption-key-id", settings.key() == null ? "" : settings.key().id())
                .put("verification", settings.verifyFull() ? "full" : "trailer")
                .put("duration-seconds", Math.round(r.seconds() * 100) / 100.0);
    }

    private void dryRun(SnapshotStore store, ClusterView view, List<MemberStatus> candidates) throws IOException {
        report.put("status", "dry-run");
        Map<String, Object> plan = new LinkedHashMap<>();
        plan.put("member-order", candidates.stream().map(s -> s.member().label() + (s.isLeader() ? " (leader)" : "")).toList());
        plan.put("object", SnapshotNames.objectKey(settings.cluster(), "<UTC time>-r<revision>", settings.compression(), settings.key() != null));
        plan.put("manifest", SnapshotNames.manifestKey(settings.cluster(), "<UTC time>-r<revision>"));
        if (settings.retention().enabled()) {
            RetentionCleaner.Outcome o = new RetentionCleaner(store, settings.cluster()).apply(settings.retention(), Instant.now(), true);
            plan.put("retention-would-delete", o.deleted());
            plan.put("incomplete-would-clean", o.cleanedIncomplete());
        }
        LOG.info("dry run: {}", plan);
        report.put("plan", plan);
    }

    private void push(boolean succeeded) {
        if (settings.pushgatewayUrl() == null) {
            return;
        }
        Map<String, Number> metrics = new LinkedHashMap<>();
        metrics.put("etcd_ops_backup_last_run_timestamp_seconds", Instant.now().getEpochSecond());
        metrics.put("etcd_ops_backup_last_run_success", succeeded ? 1 : 0);
        if (succeeded) {
            metrics.put("etcd_ops_backup_last_success_timestamp_seconds", Instant.now().getEpochSecond());
            metrics.put("etcd_ops_backup_duration_seconds", (Number) report.get("duration-seconds"));
            metrics.put("etcd_ops_backup_size_bytes", (Number) report.get("size-bytes"));
            metrics.put("etcd_ops_backup_revision", (Number) report.get("revision"));
        }
        // On failure only the run metrics are replaced (POST), so last_success_timestamp keeps its previous value for alerts.
        Pushgateway.push(settings.pushgatewayUrl(), "etcd-ops-backup", Map.of("cluster", settings.cluster()), metrics, succeeded);
    }
}
