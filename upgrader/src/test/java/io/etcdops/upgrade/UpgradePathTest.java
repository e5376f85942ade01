package io.etcdops.upgrade;

import io.etcdops.core.runtime.ExitCode;
import io.etcdops.core.runtime.JobException;
import io.etcdops.upgrade.UpgradePath.Kind;
import org.junit.jupiter.api.Test;

import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class UpgradePathTest {

    private static Kind classify(String from, String to) {
        return UpgradePath.classify(EtcdVersion.parse(from), EtcdVersion.parse(to), Optional.empty(), false, false);
    }

    private static void refused(Runnable r, String because) {
        assertThatThrownBy(r::run).isInstanceOf(JobException.class)
                .satisfies(e -> assertThat(((JobException) e).exitCode()).isEqualTo(ExitCode.REFUSED))
                .hasMessageContaining(because);
    }

    @Test
    void patchChangesGoBothWaysAndOneMinorUpIsAllowed() {
        assertThat(classify("3.5.16", "3.5.30")).isEqualTo(Kind.PATCH_UPGRADE);
        assertThat(classify("3.5.30", "3.5.16")).isEqualTo(Kind.PATCH_DOWNGRADE);
        assertThat(classify("3.4.23", "3.5.16")).isEqualTo(Kind.MINOR_UPGRADE);
        assertThat(classify("3.5.32", "3.6.0")).isEqualTo(Kind.MINOR_UPGRADE);
        assertThat(classify("3.6.16", "3.7.3")).isEqualTo(Kind.MINOR_UPGRADE);
        assertThat(classify("3.5.30", "3.5.30")).isEqualTo(Kind.NOTHING);
    }

    @Test
    void skippingAMinorOrChangingTheMajorIsRefused() {
        refused(() -> classify("3.4.23", "3.6.5"), "skips a minor");
        refused(() -> classify("3.5.32", "4.0.0"), "major");
    }

    @Test
    void knownBad350To352AreRefusedAsTargets_353IsFine() {
        refused(() -> classify("3.4.23", "3.5.0"), "known-bad");
        refused(() -> classify("3.4.23", "3.5.2"), "known-bad");
        refused(() -> classify("3.5.16", "3.5.1"), "known-bad");
        assertThat(classify("3.4.23", "3.5.3")).isEqualTo(Kind.MINOR_UPGRADE);
    }

    @Test
    void to36OnlyFromTheMinimum35PatchOfEtcdsGuide_to37From3611() {
        refused(() -> classify("3.5.30", "3.6.5"), "3.5.32 or later");
        refused(() -> classify("3.5.21", "3.6.16"), "3.5.32 or later");
        assertThat(classify("3.5.36", "3.6.16")).isEqualTo(Kind.MINOR_UPGRADE);
        refused(() -> classify("3.6.10", "3.7.3"), "3.6.11 or later");
        assertThat(classify("3.6.11", "3.7.0")).isEqualTo(Kind.MINOR_UPGRADE);
        refused(() -> classify("3.5.36", "3.7.3"), "skips a minor");
    }

    @Test
    void oneMinorDownFrom36IsEtcdsDowngradeProtocol_notBelowTheFloor_notFrom35() {
        assertThat(classify("3.7.3", "3.6.16")).isEqualTo(Kind.MINOR_DOWNGRADE);
        assertThat(classify("3.6.16", "3.5.36")).isEqualTo(Kind.MINOR_DOWNGRADE);
        refused(() -> classify("3.7.3", "3.6.10"), "3.6.11 or later");
        refused(() -> classify("3.6.16", "3.5.21"), "3.5.32 or later");
        refused(() -> classify("3.7.3", "3.5.36"), "more than one minor");
        refused(() -> classify("3.5.36", "3.4.23"), "from 3.6 servers on");
        // a resumed protocol downgrade (mixed members, cluster version already the target) stays one
        EtcdVersion v37 = EtcdVersion.parse("3.7.3");
        EtcdVersion v36 = EtcdVersion.parse("3.6.16");
        assertThat(UpgradePath.classify(v37, v36, Optional.of(EtcdVersion.parse("3.6.0")), true, true)).isEqualTo(Kind.MINOR_DOWNGRADE);
    }

    @Test
    void rollbackBeforeTheClusterVersionFlips() {
        EtcdVersion v36 = EtcdVersion.parse("3.6.16");
        EtcdVersion v35 = EtcdVersion.parse("3.5.36");
        assertThat(UpgradePath.classify(v36, v35, Optional.of(EtcdVersion.parse("3.5.0")), true, false)).isEqualTo(Kind.MINOR_ROLLBACK);
        // not mixed: every member on 3.6, so the way down is the protocol
        assertThat(UpgradePath.classify(v36, v35, Optional.of(EtcdVersion.parse("3.6.0")), false, false)).isEqualTo(Kind.MINOR_DOWNGRADE);
        EtcdVersion v35old = EtcdVersion.parse("3.5.16");
        EtcdVersion v34 = EtcdVersion.parse("3.4.23");
        assertThat(UpgradePath.classify(v35old, v34, Optional.of(EtcdVersion.parse("3.4.0")), true, false)).isEqualTo(Kind.MINOR_ROLLBACK);
        refused(() -> UpgradePath.classify(v35old, v34, Optional.of(EtcdVersion.parse("3.5.0")), true, false),
                "cluster version is already 3.5");
    }

    @Test
    void authOnlyBlocks34To35() {
        EtcdVersion v34 = EtcdVersion.parse("3.4.23");
        EtcdVersion v35 = EtcdVersion.parse("3.5.16");
        refused(() -> UpgradePath.checkAuth(Kind.MINOR_UPGRADE, v34, v35, true), "authentication is enabled");
        UpgradePath.checkAuth(Kind.MINOR_UPGRADE, v34, v35, false);
        UpgradePath.checkAuth(Kind.PATCH_UPGRADE, v35, EtcdVersion.parse("3.5.30"), true);
        UpgradePath.checkAuth(Kind.MINOR_UPGRADE, EtcdVersion.parse("3.5.32"), EtcdVersion.parse("3.6.0"), true);
    }

    @Test
    void versionsParseFromMembersAndTags() {
        assertThat(EtcdVersion.parse("v3.5.16")).isEqualTo(new EtcdVersion(3, 5, 16));
        assertThat(EtcdVersion.parse("3.5.16-0")).isEqualTo(new EtcdVersion(3, 5, 16));
        assertThat(EtcdVersion.tryParse("3.5")).isEmpty();
        assertThat(EtcdVersion.parse("3.5.9")).isLessThan(EtcdVersion.parse("3.5.10"));
    }
}
