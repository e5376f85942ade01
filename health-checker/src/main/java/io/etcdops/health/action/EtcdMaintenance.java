package io.etcdops.health.action;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.api.DefragmentRequest;
import io.etcd.jetcd.api.MaintenanceGrpc;
import io.etcd.jetcd.maintenance.AlarmMember;
import io.etcd.jetcd.maintenance.AlarmType;
import io.etcd.jetcd.options.CompactOption;
import io.etcd.jetcd.options.GetOption;
import io.etcdops.core.etcd.Alarm;
import io.etcdops.core.etcd.ClusterView;
import io.etcdops.core.etcd.Durations;
import io.etcdops.core.etcd.EtcdErrors;
import io.etcdops.core.etcd.EtcdGrpcChannels;
import io.etcdops.core.etcd.EtcdSession;
import io.etcdops.core.etcd.MemberStatus;
import io.etcdops.core.runtime.JobException;
import io.etcdops.health.ClusterReader;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** {@link ClusterMaintenance} over a real cluster. */
public final class EtcdMaintenance implements ClusterMaintenance {

    private final EtcdSession session;
    private final ClusterReader reader;

    public EtcdMaintenance(EtcdSession session) {
        this.session = session;
        this.reader = new ClusterReader(session);
    }

    @Override
    public ClusterView view() {
        return reader.view();
    }

    /**
     * A raw gRPC call on its own channel to that one member, with a real gRPC deadline (jetcd's defragmentMember has
     * none of its own). Note: etcd finishes a defragmentation it has started even when the client gives up.
     */
    @Override
    public void defragment(MemberStatus member, Duration deadline) {
        try (EtcdGrpcChannels.MemberChannel ch = EtcdGrpcChannels.open(session.config(), member.endpoint())) {
            MaintenanceGrpc.newBlockingStub(ch.channel()).withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS)
                    .defragment(DefragmentRequest.getDefaultInstance());
        } catch (StatusRuntimeException e) {
            String what = e.getStatus().getCode() == Status.Code.DEADLINE_EXCEEDED
                    ? "did not finish within " + Durations.format(deadline) + " (etcd may still be defragmenting it)"
                    : "failed: " + EtcdErrors.describe(e);
            throw JobException.failed("defragmenting " + member.member().label() + " " + what, e);
        }
    }

    @Override
    public long currentRevision() {
        return session.await("get revision", () -> session.client().getKVClient()
                        .get(ByteSequence.from("\0", StandardCharsets.UTF_8), GetOption.builder().withCountOnly(true).build()),
                session.config().commandTimeout()).getHeader().getRevision();
    }

    @Override
    public void compact(long revision) {
        try {
            session.await("compact to revision " + revision, () -> session.client().getKVClient()
                            .compact(revision, CompactOption.builder().withCompactPhysical(true).build()),
                    session.config().commandTimeout().multipliedBy(6));
        } catch (JobException e) {
            // already compacted at or beyond this revision: nothing left to do
            if (!String.valueOf(e.getMessage()).contains("required revision has been compacted")) {
                throw e;
            }
        }
    }

    @Override
    public List<Alarm> alarms() {
        return session.alarms();
    }

    /**
     * jetcd's alarmDisarm always sends alarm type NOSPACE whatever AlarmMember says (known bug), which is exactly
     * the one type we ever disarm; callers check afterwards that every CORRUPT alarm is still there.
     */
    @Override
    public void disarmNospace(long memberId) {
        session.await("disarm NOSPACE of member " + Long.toHexString(memberId),
                () -> session.client().getMaintenanceClient().alarmDisarm(new AlarmMember(memberId, AlarmType.NOSPACE)),
                session.config().commandTimeout());
    }
}
