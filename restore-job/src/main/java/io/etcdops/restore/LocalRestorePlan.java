package io.etcdops.restore;

import io.etcdops.core.runtime.JobException;

import java.nio.file.Path;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The members to restore and the cluster-wide settings, validated from the etcdutl-style flags. */
public record LocalRestorePlan(List<MemberRestore> members, String initialCluster, String token, long bumpRevision) {

    public static LocalRestorePlan of(String name, String initialCluster, String token, String peerUrl, Path dataDir, Path walDir,
                                      boolean allMembers, String dataDirTemplate, long bumpRevision) {
        if (bumpRevision < 0) {
            throw JobException.usage("--bump-revision must be >= 0");
        }
        if (initialCluster == null || initialCluster.isBlank()) {
            throw JobException.usage("--initial-cluster is required, e.g. m0=http://10.0.0.1:2380,m1=http://10.0.0.2:2380");
        }
        Map<String, String> peers = parseInitialCluster(initialCluster);
        String stamp = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").format(ZonedDateTime.now(ZoneOffset.UTC));
        List<MemberRestore> members = new ArrayList<>();
        if (allMembers) {
            if (dataDirTemplate == null || !dataDirTemplate.contains("{name}")) {
                throw JobException.usage("--all-members needs --data-dir-template containing {name}, e.g. /var/lib/etcd/{name}.etcd");
            }
            if (walDir != null) {
                throw JobException.usage("--wal-dir cannot be combined with --all-members");
            }
            peers.forEach((n, url) -> members.add(new MemberRestore(n, url, Path.of(dataDirTemplate.replace("{name}", n)).toAbsolutePath(), null, stamp)));
        } else {
            if (name == null || name.isBlank()) {
                throw JobException.usage("--name is required (or --all-members)");
            }
            if (dataDir == null) {
                throw JobException.usage("--data-dir is required (or --all-members with --data-dir-template)");
            }
            String url = peerUrl != null && !peerUrl.isBlank() ? peerUrl : peers.get(name);
            if (url == null) {
                throw JobException.usage("--name " + name + " is not in --initial-cluster " + initialCluster);
            }
            if (!url.equals(peers.get(name))) {
                throw JobException.usage("--initial-advertise-peer-urls " + url + " differs from " + name + "'s entry in --initial-cluster");
            }
            members.add(new MemberRestore(name, url, dataDir.toAbsolutePath(), walDir == null ? null : walDir.toAbsolutePath(), stamp));
        }
        return new LocalRestorePlan(members, initialCluster, token == null || token.isBlank() ? null : token, bumpRevision);
    }

    static Map<String, String> parseInitialCluster(String s) {
        Map<String, String> out = new LinkedHashMap<>();
        for (String part : s.split(",")) {
            String[] kv = part.trim().split("=", 2);
            if (kv.length != 2 || kv[0].isBlank() || !kv[1].matches("https?://[^,\\s]+")) {
                throw JobException.usage("--initial-cluster: '" + part.trim() + "' is not NAME=http(s)://HOST:PORT");
            }
            if (out.put(kv[0].trim(), kv[1].trim()) != null) {
                throw JobException.usage("--initial-cluster names " + kv[0] + " twice");
            }
        }
        return out;
    }

    public LocalRestorePlan withToken(String t) {
        return new LocalRestorePlan(members, initialCluster, t, bumpRevision);
    }
}
