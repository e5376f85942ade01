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
     * quorum of healthy voters. Safety invariant 1 of DESIGN.md.
     */
    public boolean survivesLosing(int n) {
        return healthyVoters - n >= size();
    }

    /** Same as {@link #survivesLosing(int)} when the member is also removed from the member list (quorum shrinks). */
    public boolean survivesRemoving(int n) {
        int remainingVoters = voters - n;
        return remainingVoters > 0 && healthyVoters - n >= remainingVoters / 2 + 1;
    }
}
