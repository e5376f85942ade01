package io.etcdops.core.etcd;

import java.net.URI;
import java.util.List;

/** One entry of etcd's member list. A member added but never started has an empty name and no client URLs. */
public record MemberInfo(long id, String name, List<URI> peerUrls, List<URI> clientUrls, boolean learner) {

    public String idHex() {
        return Long.toHexString(id);
    }

    /** Name if known, else the hex id (etcdctl prints unstarted members the same way). */
    public String label() {
        return name == null || name.isEmpty() ? idHex() : name;
    }

    public boolean started() {
        return name != null && !name.isEmpty();
    }
}
