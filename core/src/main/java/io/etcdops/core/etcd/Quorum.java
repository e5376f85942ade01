package io.etcdops.core.etcd;

/**
 * Quorum arithmetic over the voting members (learners do not vote).
 *
 * @param voters        voting members in the member list
 * @param healthyVoters voting members that answer and are healthy
 */
public record Quorum(int voters, int healthyVoters) {

    /** Votes needed to commit: a majority of voters. */
    public int size() {
        return voters / 2 + 1;
    }

    public boolean present() {
        return healthyVoters >= size();
    }

    /** How many more healthy voters may fail before quorum is lost (negative when already lost). */
    public int failureTolerance() {
        return healthyVoters - size();
    }

    /**
     * Whether taking {@code n} currently healthy voters out of service (restart, defrag, removal) still leaves a
     * quorum of healthy voters. Safety invariant 1 of docs/design.md.
     */
    public boolean survivesLosing(int n) {
        return healthyVoters - n >= size();
    }

    /**
     * Whether removing one voting member from the member list (the quorum shrinks with it) leaves a quorum of
     * healthy voters; {@code memberHealthy} says whether the removed member is one of the healthy ones.
     */
    public boolean survivesRemovingOne(boolean memberHealthy) {
        int remainingVoters = voters - 1;
        int remainingHealthy = healthyVoters - (memberHealthy ? 1 : 0);
        return remainingVoters > 0 && remainingHealthy >= remainingVoters / 2 + 1;
    }
}
