package io.etcdops.upgrade;

import io.etcdops.core.kube.EtcdContainerSettings;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class FlagChangesTest {
    private static final EtcdVersion V34 = EtcdVersion.parse("3.4.23");
    private static final EtcdVersion V35 = EtcdVersion.parse("3.5.16");
    private static final EtcdVersion V35_LATE = EtcdVersion.parse("3.5.32");
    private static final EtcdVersion V36 = EtcdVersion.parse("3.6.5");

    private static EtcdContainerSettings container(List<String> args, String... env) {
        ContainerBuilder b = new ContainerBuilder().withName("etcd").withImage("quay.io/coreos/etcd:v3.4.23")
                .withCommand("/usr/local/bin/etcd").withArgs(args);
        for (int i = 0; i < env.length; i += 2) {
            b.addNewEnv().withName(env[i]).withValue(env[i + 1]).endEnv();
        }
        Container c = b.build();
        return EtcdContainerSettings.of(c);
    }

    @Test
    void aRemovedCommandLineFlagIsAProblem_theSameAsEnvOnlyAWarning() {
        FlagChanges.Findings f = FlagChanges.check(container(List.of("--data-dir=/data", "--debug", "--logger=capnslog")), V34, V35);
        assertThat(f.problems()).hasSize(2);
        assertThat(f.problems().get(0)).contains("--debug").contains("--log-level=debug").contains("would not start");
        assertThat(f.problems().get(1)).contains("--logger=capnslog").contains("--logger=zap");

        FlagChanges.Findings env = FlagChanges.check(container(List.of("--data-dir=/data"), "ETCD_DEBUG", "true"), V34, V35);
        assertThat(env.problems()).isEmpty();
        assertThat(env.warnings()).singleElement().asString().contains("ETCD_DEBUG=true").contains("ignored by etcd 3.5");
    }

    @Test
    void experimentalFlagsAreDeprecatedIn36AndRemovedIn37_asFlagsAndAsEnv() {
        EtcdContainerSettings s = container(List.of("--data-dir=/data", "--snapshot-count=10000",
                "--experimental-initial-corrupt-check=true", "--experimental-compact-hash-check-time=2m"),
                "ETCD_EXPERIMENTAL_WATCH_PROGRESS_NOTIFY_INTERVAL", "5s");
        FlagChanges.Findings to36 = FlagChanges.check(s, V35_LATE, V36);
        assertThat(to36.problems()).isEmpty();
        assertThat(to36.warnings()).anySatisfy(w -> assertThat(w).contains("--feature-gates=InitialCorruptCheck=true"))
                .anySatisfy(w -> assertThat(w).contains("--compact-hash-check-time", "--rewrite-flags"));
        FlagChanges.Findings to37 = FlagChanges.check(s, V36, EtcdVersion.parse("3.7.3"));
        assertThat(to37.problems()).hasSize(3)
                .anySatisfy(p -> assertThat(p).contains("--experimental-initial-corrupt-check=true", "would not start",
                        "--feature-gates=InitialCorruptCheck=true"))
                .anySatisfy(p -> assertThat(p).contains("--experimental-compact-hash-check-time=2m", "--compact-hash-check-time"))
                .anySatisfy(p -> assertThat(p).contains("ETCD_EXPERIMENTAL_WATCH_PROGRESS_NOTIFY_INTERVAL=5s",
                        "run without the setting", "ETCD_WATCH_PROGRESS_NOTIFY_INTERVAL"));
    }

    @Test
    void v2FlagsStop36_anEnvThatSwitchesV2OnToo_patchChangesAreNotChecked() {
        EtcdContainerSettings s = container(List.of("--data-dir=/data", "--enable-v2=true"));
        assertThat(FlagChanges.check(s, V35_LATE, V36).problems()).singleElement().asString().contains("--enable-v2");
        assertThat(FlagChanges.check(s, V35, EtcdVersion.parse("3.5.30")).problems()).isEmpty();
        assertThat(FlagChanges.check(s, V34, V35).warnings()).anySatisfy(w -> assertThat(w).contains("deprecated in etcd 3.5"));
        assertThat(FlagChanges.check(s, V35_LATE, V36).warnings()).anySatisfy(w -> assertThat(w).contains("--snapshot-count"));
        assertThat(FlagChanges.check(container(List.of("--data-dir=/data", "--proxy=off")), V35_LATE, V36).problems())
                .singleElement().asString().contains("--proxy=off", "would not start");
        assertThat(FlagChanges.check(container(List.of("--data-dir=/data"), "ETCD_ENABLE_V2", "true"), V35_LATE, V36).problems())
                .singleElement().asString().contains("ETCD_ENABLE_V2=true", "run without the setting");
        assertThat(FlagChanges.check(container(List.of("--data-dir=/data"), "ETCD_ENABLE_V2", "false"), V35_LATE, V36).problems()).isEmpty();
    }

    @Test
    void goingDownTo35TheFlagsOnly36KnowsAreProblems() {
        EtcdContainerSettings s = container(List.of("--data-dir=/data", "--feature-gates=InitialCorruptCheck=true",
                "--snapshot-catchup-entries=5000", "--compact-hash-check-time=2m"));
        FlagChanges.Findings down = FlagChanges.check(s, EtcdVersion.parse("3.6.16"), EtcdVersion.parse("3.5.36"));
        assertThat(down.problems()).hasSize(3)
                .anySatisfy(p -> assertThat(p).contains("--compact-hash-check-time=2m", "--experimental-compact-hash-check-time"))
                .anySatisfy(p -> assertThat(p).contains("--snapshot-catchup-entries=5000", "remove it first"))
                .anySatisfy(p -> assertThat(p).contains("--feature-gates"));
        assertThat(FlagChanges.check(s, EtcdVersion.parse("3.7.3"), EtcdVersion.parse("3.6.16")).problems()).isEmpty();
    }
}
