package io.etcdops.upgrade;

import io.etcdops.core.kube.StatefulSetTarget;

/**
 * Where a stopped run came from, and the exact command that goes back there (or forward again): the same tool with
 * the other version. Going back is possible within a minor, and across a minor while the cluster version has not
 * flipped (some member still runs the old minor). Store and connection flags are the operator's: only the store URI
 * is repeated (credentials never are), else --skip-backup.
 */
record Rollback(EtcdVersion version, String image) {

    String command(StatefulSetTarget target, UpgradeSettings settings, EtcdVersion to, String toImage) {
        return "upgrader --statefulset " + target.name() + " --namespace " + target.namespace() + " --to-version " + to
                + " --image " + toImage + (settings.rewriteFlags() ? " --rewrite-flags" : "") + (settings.store() != null ? " --store " + settings.store().uri() : " --skip-backup");
    }
}
