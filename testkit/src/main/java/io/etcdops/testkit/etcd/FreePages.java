package io.etcdops.testkit.etcd;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.options.CompactOption;
import io.etcd.jetcd.options.DeleteOption;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/** Free pages in every member's db, the work a defrag reclaims, whatever the dbs looked like before. */
public final class FreePages {

    private FreePages() {
    }

    /**
     * Writes ~1 MiB under {@code /fragment/}, deletes it and compacts it away (physically, so the pages are free when
     * this returns): a member restored from a snapshot can start with no free page at all.
     */
    public static void leave(Client c) throws Exception {
        String value = "x".repeat(8 * 1024);
        for (int i = 0; i < 128; i++) {
            c.getKVClient().put(bytes("/fragment/" + i), bytes(value)).get(10, TimeUnit.SECONDS);
        }
        long rev = c.getKVClient().delete(bytes("/fragment/"), DeleteOption.builder().isPrefix(true).build())
                .get(10, TimeUnit.SECONDS).getHeader().getRevision();
        c.getKVClient().compact(rev, CompactOption.builder().withCompactPhysical(true).build()).get(60, TimeUnit.SECONDS);
    }

    private static ByteSequence bytes(String s) {
        return ByteSequence.from(s, StandardCharsets.UTF_8);
    }
}
