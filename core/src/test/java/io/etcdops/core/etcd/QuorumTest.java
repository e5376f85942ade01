package io.etcdops.core.etcd;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class QuorumTest {
    @Test
    void majorityArithmetic() {
        assertThat(new Quorum(3, 3).size()).isEqualTo(2);
        assertThat(new Quorum(3, 3).failureTolerance()).isEqualTo(1);
        assertThat(new Quorum(5, 5).failureTolerance()).isEqualTo(2);
        assertThat(new Quorum(3, 1).present()).isFalse();
        assertThat(new Quorum(1, 1).survivesLosing(1)).isFalse();
    }

    @Test
    void takingAMemberOutMustLeaveAQuorumOfHealthyVoters() {
        assertThat(new Quorum(3, 3).survivesLosing(1)).isTrue();
        assertThat(new Quorum(3, 2).survivesLosing(1)).isFalse();
        assertThat(new Quorum(5, 4).survivesLosing(1)).isTrue();
        assertThat(new Quorum(5, 3).survivesLosing(1)).isFalse();
    }

    @Test
    void removingAFailedMemberShrinksTheQuorum() {
        // 3 voters, one dead: removing the dead one leaves 2 voters needing 2 — both healthy.
        assertThat(new Quorum(3, 2).survivesRemovingOne(false)).isTrue();
        // removing a healthy one when one is already dead would leave 1 healthy of 2 voters.
        assertThat(new Quorum(3, 2).survivesRemovingOne(true)).isFalse();
        // a single-member cluster can never remove its member.
        assertThat(new Quorum(1, 0).survivesRemovingOne(false)).isFalse();
    }
}
