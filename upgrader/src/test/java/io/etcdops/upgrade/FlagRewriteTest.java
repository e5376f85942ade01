package io.etcdops.upgrade;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.etcdops.core.kube.EtcdContainerSettings;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class FlagRewriteTest {
    private static final EtcdVersion V36 = EtcdVersion.parse("3.6.16");
    private static final EtcdVersion V37 = EtcdVersion.parse("3.7.3");

    private static Container container(List<String> args, String... env) {
        ContainerBuilder b = new ContainerBuilder().withName("etcd").withImage("quay.io/coreos/etcd:v3.5.36")
                .withCommand("/usr/local/bin/etcd").withArgs(args);
        for (int i = 0; i < env.length; i += 2) {
            b.addNewEnv().withName(env[i]).withValue(env[i + 1]).endEnv();
        }
        return b.build();
    }

    @Test
    void experimentalFlagsBecome36NamesAndOneFeatureGatesFlag_valuesKept_nothingLeftFor37() {
        Container c = container(List.of("--name=$(HOSTNAME)", "--experimental-initial-corrupt-check=true",
                "--experimental-snapshot-catchup-entries", "5000", "--experimental-compact-hash-check-enabled",
                "--experimental-txn-mode-write-with-shared-buffer=false", "--enable-v2=false", "--proxy=off",
                "--feature-gates=StopGRPCServiceOnDefrag=true"),
                "ETCD_EXPERIMENTAL_WATCH_PROGRESS_NOTIFY_INTERVAL", "5s", "ETCD_EXPERIMENTAL_STOP_GRPC_SERVICE_ON_DEFRAG", "false");
        FlagRewrite.Result r = FlagRewrite.rewrite(c, V36);
        assertThat(r.args()).containsExactly("--name=$(HOSTNAME)", "--snapshot-catchup-entries=5000",
                "--feature-gates=StopGRPCServiceOnDefrag=true,InitialCorruptCheck=true,CompactHashCheck=true,TxnModeWriteWithSharedBuffer=false");
        assertThat(r.env()).extracting(EnvVar::getName, EnvVar::getValue).containsExactly(
                org.assertj.core.groups.Tuple.tuple("ETCD_WATCH_PROGRESS_NOTIFY_INTERVAL", "5s"),
                org.assertj.core.groups.Tuple.tuple("ETCD_FEATURE_GATES", "StopGRPCServiceOnDefrag=false"));
        assertThat(r.changes()).hasSize(8);

        Container after = new ContainerBuilder(c).withArgs(r.args()).withEnv(r.env()).build();
        assertThat(FlagChanges.check(EtcdContainerSettings.of(after), V36, V37).problems()).isEmpty();
        assertThat(FlagChanges.check(EtcdContainerSettings.of(c), V36, V37).problems()).as("the six experimental settings").hasSize(6);
    }

    @Test
    void downTo35TheReverseWhere35HasANameForIt() {
        Container c = container(List.of("--compact-hash-check-time=2m", "--feature-gates=InitialCorruptCheck=true,SetMemberLocalAddr=true",
                "--snapshot-catchup-entries=5000"));
        FlagRewrite.Result r = FlagRewrite.rewrite(c, EtcdVersion.parse("3.5.36"));
        assertThat(r.args()).containsExactly("--experimental-compact-hash-check-time=2m", "--feature-gates=SetMemberLocalAddr=true",
                "--snapshot-catchup-entries=5000", "--experimental-initial-corrupt-check=true");
        Container after = new ContainerBuilder(c).withArgs(r.args()).build();
        assertThat(FlagChanges.check(EtcdContainerSettings.of(after), V36, EtcdVersion.parse("3.5.36")).problems())
                .as("what 3.5 has no name for stays, and refuses").hasSize(2);
    }

    @Test
    void aV2ThatIsOnIsNeverRewritten() {
        FlagRewrite.Result r = FlagRewrite.rewrite(container(List.of("--enable-v2=true", "--proxy=on")), V36);
        assertThat(r.changed()).isFalse();
        assertThat(r.args()).containsExactly("--enable-v2=true", "--proxy=on");
    }
}
