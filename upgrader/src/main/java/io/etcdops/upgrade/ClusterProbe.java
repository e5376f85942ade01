package io.etcdops.upgrade;

import io.etcdops.core.runtime.Json;
import tools.jackson.databind.JsonNode;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.maintenance.StatusResponse;
import io.etcd.jetcd.options.GetOption;
import io.etcdops.core.etcd.Alarm;
import io.etcdops.core.etcd.ClusterView;
import io.etcdops.core.etcd.EtcdConnectionConfig;
import io.etcdops.core.etcd.EtcdErrors;
import io.etcdops.core.etcd.EtcdSession;
import io.etcdops.core.etcd.MaintenanceRpc;
import io.etcdops.core.etcd.MemberInfo;
import io.etcdops.core.etcd.MemberStatus;
import io.etcdops.core.etcd.PemFiles;
import io.etcdops.core.runtime.JobException;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Looks at the etcd cluster the way the upgrader needs: the member list, each member's own status asked at its pod's
 * URL ({@link MemberPods}, so it works through the {@code EndpointResolver} seam), alarms, the negotiated cluster
 * version ({@code GET /version}, the only place etcd publishes it) and whether auth is on.
 */
public final class ClusterProbe implements AutoCloseable {
    private final EtcdConnectionConfig config;
    private final MemberPods pods;
    private final EtcdSession session;

    public ClusterProbe(EtcdConnectionConfig config, MemberPods pods) {
        this.config = config;
        this.pods = pods;
        this.session = EtcdSession.open(config);
    }

    public EtcdConnectionConfig config() {
        return config;
    }

    public EtcdSession session() {
        return session;
    }

    public MemberPods pods() {
        return pods;
    }

    /** A fresh view: member list, every member's status (in parallel, never throws per member), alarms. */
    public ClusterView view() {
        List<MemberInfo> members = session.memberList();
        List<CompletableFuture<MemberStatus>> futures = new ArrayList<>();
        for (MemberInfo m : members) {
            futures.add(CompletableFuture.supplyAsync(() -> status(m)));
        }
        List<MemberStatus> statuses = futures.stream().map(CompletableFuture::join).toList();
        return new ClusterView(session.clusterId(), members, statuses, alarms());
    }

    public List<Alarm> alarms() {
        return session.alarms();
    }

    public MemberStatus status(MemberInfo m) {
        URI endpoint = pods.dialUrl(m);
        if (endpoint == null) {
            return MemberStatus.unreachable(m, null, "member has not started (no client URLs)");
        }
        try {
            StatusResponse s = session.client().getMaintenanceClient().statusMember(endpoint.toString())
                    .get(config.commandTimeout().toMillis(), TimeUnit.MILLISECONDS);
            return new MemberStatus(m, endpoint, true, null, s.getVersion(), s.getDbSize(), s.getDbSizeInUse(), s.getLeader(),
                    s.getRaftIndex(), s.getRaftTerm(), s.getRaftAppliedIndex(), List.copyOf(s.getErrorList()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return MemberStatus.unreachable(m, endpoint, "interrupted");
        } catch (Exception e) {
            return MemberStatus.unreachable(m, endpoint, EtcdErrors.describe(e));
        }
    }

    /**
     * What the member says about storage version and a downgrade job (etcd 3.6+ fields jetcd drops), or empty when
     * it does not answer.
     */
    public Optional<MaintenanceRpc.VersionStatus> versionStatus(MemberInfo m) {
        URI endpoint = pods.dialUrl(m);
        if (endpoint == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(MaintenanceRpc.status(config, endpoint));
        } catch (RuntimeException e) {
            return Optional.empty();
        }
    }

    /** The cluster version ({@code etcdcluster} of {@code /version}) one member reports; empty while undecided. */
    public Optional<EtcdVersion> clusterVersion(URI memberUrl) {
        return get(memberUrl, "/version").flatMap(body -> {
            try {
                JsonNode n = Json.mapper().readTree(body);
                return EtcdVersion.tryParse(n.path("etcdcluster").asString(""));
            } catch (RuntimeException e) {
                return Optional.empty();
            }
        });
    }

    /**
     * How many raft snapshots the member has saved since its process started ({@code etcd_snap_fsync_duration_seconds_count}
     * of its client URL's {@code /metrics}: one fsync per {@code .snap} file), or empty when it does not say.
     */
    public Optional<Long> snapshotsSinceStart(MemberInfo m) {
        URI endpoint = pods.dialUrl(m);
        if (endpoint == null) {
            return Optional.empty();
        }
        return get(endpoint, "/metrics").flatMap(body -> body.lines()
                .filter(l -> l.startsWith("etcd_snap_fsync_duration_seconds_count "))
                .map(l -> l.substring(l.indexOf(' ') + 1).trim()).findFirst()
                .map(v -> (long) Double.parseDouble(v)));
    }

    private Optional<String> get(URI memberUrl, String path) {
        try {
            HttpClient.Builder b = HttpClient.newBuilder().connectTimeout(config.dialTimeout());
            if ("https".equals(memberUrl.getScheme())) {
                b.sslContext(sslContext());
            }
            HttpResponse<String> r = b.build().send(HttpRequest.newBuilder(memberUrl.resolve(path))
                    .timeout(config.commandTimeout()).build(), HttpResponse.BodyHandlers.ofString());
            return r.statusCode() == 200 ? Optional.of(r.body()) : Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        } catch (Exception e) {
            return Optional.empty();
        }
    }

    /**
     * Whether the cluster has auth enabled: a read without user credentials is refused then ("user name is empty").
     * (With auth on, etcd takes a client certificate's CN as the user; a CN user allowed to read would look like "off".)
     */
    public boolean authEnabled(URI endpoint) {
        EtcdConnectionConfig anonymous = new EtcdConnectionConfig(List.of(endpoint), config.caCert(), config.clientCert(),
                config.clientKey(), null, null, config.dialTimeout(), config.commandTimeout());
        try (EtcdSession s = EtcdSession.open(anonymous)) {
            s.await("read without credentials", () -> s.client().getKVClient().get(ByteSequence.from(new byte[] {0}),
                    GetOption.builder().withCountOnly(true).build()), config.commandTimeout());
            return false;
        } catch (JobException e) {
            String m = e.getMessage();
            if (m.contains("authentication required") || m.contains("permission denied") || m.contains("user name")
                    || m.contains("invalid auth token")) {
                return true;
            }
            throw e;
        }
    }

    private SSLContext sslContext() throws Exception {
        KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
        trust.load(null, null);
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        if (config.caCert() != null) {
            int i = 0;
            for (X509Certificate c : PemFiles.certificates(config.caCert(), "--cacert")) {
                trust.setCertificateEntry("ca" + i++, c);
            }
            tmf.init(trust);
        } else {
            tmf.init((KeyStore) null);
        }
        KeyManagerFactory kmf = null;
        if (config.clientCert() != null && config.clientKey() != null) {
            KeyStore keys = KeyStore.getInstance(KeyStore.getDefaultType());
            keys.load(null, null);
            keys.setKeyEntry("client", PemFiles.privateKey(config.clientKey(), "--key"), new char[0],
                    PemFiles.certificates(config.clientCert(), "--cert").toArray(X509Certificate[]::new));
            kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(keys, new char[0]);
        }
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(kmf == null ? null : kmf.getKeyManagers(), tmf.getTrustManagers(), null);
        return ctx;
    }

    @Override
    public void close() {
        session.close();
    }
}
