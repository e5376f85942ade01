package io.etcdops.core.etcd;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.ClientBuilder;
import io.etcd.jetcd.cluster.Member;
import io.etcd.jetcd.cluster.MemberListResponse;
import io.etcd.jetcd.maintenance.AlarmMember;
import io.etcdops.core.kube.EndpointResolver;
import io.etcdops.core.runtime.JobException;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.internal.VertxInternal;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * An open connection to an etcd cluster (jetcd underneath) with every call bounded by the configured timeouts and
 * every failure turned into a one-line {@link JobException}. Open it with {@link #open(EtcdConnectionConfig)}: that
 * already proves the cluster answers (member list), so a wrong endpoint, CA or password fails here, clearly.
 */
public final class EtcdSession implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(EtcdSession.class);

    private static final Duration CLOSE_WAIT = Duration.ofSeconds(2);

    private final EtcdConnectionConfig config;
    private final Client client;
    private final Vertx vertx;
    private final EndpointResolver resolver;

    private EtcdSession(EtcdConnectionConfig config, Client client, Vertx vertx, EndpointResolver resolver) {
        this.config = config;
        this.client = client;
        this.vertx = vertx;
        this.resolver = resolver;
    }

    public static EtcdSession open(EtcdConnectionConfig config) {
        return open(config, EndpointResolver.IDENTITY);
    }

    /**
     * @param resolver maps the client URLs members advertise (per-pod DNS names in Kubernetes) to URLs this process
     *                 can dial; {@link EndpointResolver#IDENTITY} in production
     */
    public static EtcdSession open(EtcdConnectionConfig config, EndpointResolver resolver) {
        Vertx vertx = newVertx();
        Client client = buildClient(config, config.endpoints(), vertx);
        EtcdSession session = new EtcdSession(config, client, vertx, resolver);
        try {
            session.memberList();
        } catch (JobException e) {
            session.close();
            throw e;
        }
        return session;
    }

    /** The Vert.x instance jetcd would create for itself (daemon threads), but ours, so that close can wait for it. */
    private static Vertx newVertx() {
        return Vertx.vertx(new VertxOptions().setUseDaemonThread(true));
    }

    static Client buildClient(EtcdConnectionConfig config, List<URI> endpoints, Vertx vertx) {
        ClientBuilder b = Client.builder()
                .vertx(vertx)
                .endpoints(endpoints.toArray(URI[]::new))
                .connectTimeout(config.dialTimeout())
                .waitForReady(false)
                .retryMaxAttempts(2)
                .retryDelay(100)
                .retryMaxDelay(1000)
                .retryChronoUnit(java.time.temporal.ChronoUnit.MILLIS)
                .maxInboundMessageSize(64 * 1024 * 1024);
        if (config.hasAuth()) {
            b.user(bytes(config.user())).password(bytes(config.password()));
        }
        if (config.usesTls()) {
            try {
                b.sslContext(ssl -> TlsContexts.configure(ssl, config));
                if (endpoints.size() == 1) {
                    b.authority(endpoints.get(0).getHost());
                }
            } catch (javax.net.ssl.SSLException e) {
                throw JobException.usage("TLS setup failed: " + e.getMessage());
            }
        }
        return b.build();
    }

    public EtcdConnectionConfig config() {
        return config;
    }

    /** The Vert.x instance under the jetcd client (tests check that close stopped it). */
    Vertx vertx() {
        return vertx;
    }

    /** The jetcd client, for KV / Cluster / Maintenance calls a job needs beyond this class. Bound calls with {@link #await}. */
    public Client client() {
        return client;
    }

    public List<MemberInfo> memberList() {
        MemberListResponse r = await("member list", () -> client.getClusterClient().listMember(), config.commandTimeout().plus(config.dialTimeout()));
        return r.getMembers().stream().map(EtcdSession::toInfo).toList();
    }

    public long clusterId() {
        return await("member list", () -> client.getClusterClient().listMember(), config.commandTimeout())
                .getHeader().getClusterId();
    }

    public List<Alarm> alarms() {
        return await("alarm list", () -> client.getMaintenanceClient().listAlarms(), config.commandTimeout())
                .getAlarms().stream().map(a -> new Alarm(a.getMemberId(), a.getAlarmType().name())).toList();
    }

    /** Asks one member directly for its status; never throws, an unreachable member is reported as such. */
    public MemberStatus status(MemberInfo member) {
        if (member.clientUrls().isEmpty()) {
            return MemberStatus.unreachable(member, null, "member has not started (no client URLs)");
        }
        return status(member, preferredEndpoint(member));
    }

    /**
     * Asks whatever answers at {@code endpoint} for its status, reported as {@code member}; never throws. A raw gRPC
     * call ({@link MemberStatusCall}) rather than jetcd's, so that etcd 3.6's storage fields are read too.
     */
    public MemberStatus status(MemberInfo member, URI endpoint) {
        try {
            return MemberStatusCall.call(config, member, endpoint);
        } catch (JobException e) {
            // the raw channel could not authenticate (etcd issues tokens through raft): ask through jetcd's connection,
            // as before, without the 3.6 storage fields
            LOG.debug("status of {} on a raw channel failed ({}); asking through jetcd", endpoint, e.getMessage());
            return jetcdStatus(member, endpoint);
        } catch (RuntimeException e) {
            if (Thread.currentThread().isInterrupted()) {
                return MemberStatus.unreachable(member, endpoint, "interrupted");
            }
            return MemberStatus.unreachable(member, endpoint, EtcdErrors.describe(e));
        }
    }

    private MemberStatus jetcdStatus(MemberInfo member, URI endpoint) {
        try {
            io.etcd.jetcd.maintenance.StatusResponse s = client.getMaintenanceClient().statusMember(endpoint.toString())
                    .get(config.commandTimeout().toMillis(), TimeUnit.MILLISECONDS);
            return new MemberStatus(member, endpoint, true, null, s.getVersion(), s.getDbSize(), s.getDbSizeInUse(),
                    s.getLeader(), s.getRaftIndex(), s.getRaftTerm(), s.getRaftAppliedIndex(), List.copyOf(s.getErrorList()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return MemberStatus.unreachable(member, endpoint, "interrupted");
        } catch (Exception e) {
            return MemberStatus.unreachable(member, endpoint, EtcdErrors.describe(e));
        }
    }

    /**
     * The member's client URL to dial: one of the configured endpoints if it matches the member (the user's view of the
     * network wins), else the first URL the member advertises.
     */
    public URI preferredEndpoint(MemberInfo member) {
        for (URI u : member.clientUrls()) {
            URI r = resolver.resolve(u);
            if (config.endpoints().contains(r)) {
                return r;
            }
        }
        return resolver.resolve(member.clientUrls().get(0));
    }

    /** Member list, every member's status (in parallel), alarms. */
    public ClusterView view() {
        MemberListResponse list = await("member list", () -> client.getClusterClient().listMember(), config.commandTimeout());
        List<MemberInfo> members = list.getMembers().stream().map(EtcdSession::toInfo).toList();
        List<CompletableFuture<MemberStatus>> futures = new ArrayList<>();
        for (MemberInfo m : members) {
            futures.add(CompletableFuture.supplyAsync(() -> status(m)));
        }
        List<MemberStatus> statuses = futures.stream().map(CompletableFuture::join).toList();
        List<Alarm> alarms;
        try {
            alarms = alarms();
        } catch (JobException e) {
            LOG.warn("could not list alarms: {}", e.getMessage());
            alarms = List.of();
        }
        return new ClusterView(list.getHeader().getClusterId(), members, statuses, alarms);
    }

    /** Waits for a jetcd call, turning every failure into a one-line {@link JobException} (exit 1). */
    public <T> T await(String what, Supplier<CompletableFuture<T>> call, Duration timeout) {
        try {
            try {
                return call.get().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            } catch (java.util.concurrent.ExecutionException e) {
                if (!EtcdErrors.isInvalidAuthToken(e)) {
                    throw e;
                }
                LOG.debug("{}: invalid auth token (issued by another member); retrying once with a fresh token", what);
                return call.get().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw JobException.failed(what + " interrupted");
        } catch (java.util.concurrent.TimeoutException e) {
            throw JobException.failed("cannot reach etcd at " + endpointsText() + ": " + what + " timed out after "
                    + Durations.format(timeout));
        } catch (Exception e) {
            throw JobException.failed("etcd at " + endpointsText() + ": " + what + " failed: " + EtcdErrors.describe(e), e);
        }
    }

    private String endpointsText() {
        return String.join(",", config.endpoints().stream().map(URI::toString).toList());
    }

    private static MemberInfo toInfo(Member m) {
        return new MemberInfo(m.getId(), m.getName(), List.copyOf(m.getPeerURIs()), List.copyOf(m.getClientURIs()), m.isLearner());
    }

    static ByteSequence bytes(String s) {
        return ByteSequence.from(s, StandardCharsets.UTF_8);
    }

    /** Helper for callers that disarm or inspect alarms by member. */
    public static AlarmMember alarmMember(Alarm a) {
        return new AlarmMember(a.memberId(), io.etcd.jetcd.maintenance.AlarmType.valueOf(a.type()));
    }

    /**
     * Closes the client and waits (at most {@link #CLOSE_WAIT}) until Vert.x has stopped its event loops: jetcd only
     * starts that. A JVM that exits while threads wait in epoll (native code) gives them 300 ms to return first
     * (HotSpot's VM_Exit), which was the last 0.3 s of every run.
     */
    @Override
    public void close() {
        try {
            client.close();
            vertx.close().toCompletionStage().toCompletableFuture().get(CLOSE_WAIT.toMillis(), TimeUnit.MILLISECONDS);
            // Vert.x completes close before its event loop threads have ended
            ((VertxInternal) vertx).nettyEventLoopGroup().terminationFuture().await(CLOSE_WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            LOG.debug("closing etcd client", e);
        }
    }
}
