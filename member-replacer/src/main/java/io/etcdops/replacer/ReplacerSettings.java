package io.etcdops.replacer;

import io.etcdops.core.etcd.EtcdConnectionConfig;

import java.time.Duration;
import java.util.Optional;

/**
 * Everything one run of the replacer needs, resolved from flags and environment (tests build it directly).
 *
 * @param connection     TLS and credentials for etcd; its endpoints are replaced by the StatefulSet's members
 * @param grace          how long a member must stay unhealthy, continuously, before it is replaced
 * @param member         replace this member now (name or hex id), whatever its health, if it is safe
 * @param dryRun         print the plan, change nothing
 * @param image          this replacer's image, run by the seed pod to wipe the member's volume
 * @param timeout        bound on the whole replacement (each wait takes from it)
 * @param promoteTimeout how long to keep retrying a promotion etcd refuses because the learner is not in sync yet
 * @param pushgatewayUrl where to push etcd_ops_member_replacer_* metrics, if anywhere
 */
public record ReplacerSettings(
        EtcdConnectionConfig connection,
        Duration grace,
        Optional<String> member,
        boolean dryRun,
        String image,
        Duration timeout,
        Duration promoteTimeout,
        Optional<String> pushgatewayUrl) {

    public ReplacerSettings {
        member = member == null ? Optional.empty() : member.filter(m -> !m.isBlank());
        pushgatewayUrl = pushgatewayUrl == null ? Optional.empty() : pushgatewayUrl.filter(u -> !u.isBlank());
    }
}
