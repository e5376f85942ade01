package io.etcdops.health;

import io.etcdops.health.hashkv.HashKvComparison;

/** The finding for the HashKV consistency check. */
final class HashKvFindings {

    private HashKvFindings() {
    }

    static Finding finding(HashKvComparison c) {
        return switch (c.outcome()) {
            case MISMATCH -> Finding.critical("hashkv", Finding.CLUSTER, "HashKV mismatch: " + c.detail()
                            + (c.divergentMembers() == null || c.divergentMembers().isEmpty() ? "" : "; suspect " + c.divergentMembers()),
                    "Stop writing if you can; replace the divergent member (member-replacer) or restore from a verified backup; keep its data dir for analysis.");
            case CONSISTENT -> Finding.ok("hashkv", Finding.CLUSTER, "HashKV consistent: " + c.detail());
            case SKIPPED -> Finding.ok("hashkv", Finding.CLUSTER, "HashKV not compared: " + c.detail());
            case DISABLED -> Finding.ok("hashkv", Finding.CLUSTER, c.detail());
        };
    }
}
