package io.etcdops.core.etcd;

/** An active etcd alarm: NOSPACE or CORRUPT, raised by a member. */
public record Alarm(long memberId, String type) {
    public String memberIdHex() {
        return Long.toHexString(memberId);
    }
}
