package io.etcdops.health.kube;

import io.etcdops.core.kube.StatefulSetTarget;
import io.etcdops.health.Finding;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The etcd flags and environment variables of the StatefulSet's pod template that etcd 3.6 or 3.7 no longer accepts,
 * judged against the version the members run (checked on the real binaries, see docs/health-checker.md):
 * <ul>
 *   <li>v2 flags ({@code --enable-v2}, {@code --proxy*}, and their {@code ETCD_*} variables) were removed in 3.6: etcd
 *   3.6 exits with "flag provided but not defined";</li>
 *   <li>{@code --experimental-*} flags are deprecated in 3.6 (still accepted) and removed in 3.7: etcd 3.7 exits;</li>
 *   <li>{@code ETCD_EXPERIMENTAL_*} variables: 3.7 logs "unrecognized environment variable" and starts without the
 *   setting — silently.</li>
 * </ul>
 */
final class EtcdFlagFindings {

    private EtcdFlagFindings() {
    }

    /** @param minor the lowest minor version the members run (or the image's), e.g. 6 for 3.6; empty when unknown */
    static List<Finding> findings(StatefulSetTarget t, Optional<Integer> minor) {
        Optional<Container> etcd = t.statefulSet().getSpec().getTemplate().getSpec().getContainers().stream()
                .filter(c -> c.getName().equals(t.etcdContainer())).findFirst();
        if (etcd.isEmpty()) {
            return List.of();
        }
        List<String> words = new ArrayList<>();
        if (etcd.get().getCommand() != null) {
            etcd.get().getCommand().forEach(c -> words.addAll(List.of(c.split("\\s+"))));
        }
        if (etcd.get().getArgs() != null) {
            etcd.get().getArgs().forEach(a -> words.addAll(List.of(a.split("\\s+"))));
        }
        List<String> v2 = new ArrayList<>();
        List<String> experimental = new ArrayList<>();
        for (String w : words) {
            String flag = w.split("=", 2)[0];
            if (flag.equals("--enable-v2") || flag.startsWith("--proxy")) {
                v2.add(flag);
            } else if (flag.startsWith("--experimental-")) {
                experimental.add(flag);
            }
        }
        List<String> experimentalEnv = new ArrayList<>();
        if (etcd.get().getEnv() != null) {
            for (EnvVar e : etcd.get().getEnv()) {
                String n = e.getName();
                if (n.equals("ETCD_ENABLE_V2") || n.startsWith("ETCD_PROXY")) {
                    v2.add(n);
                } else if (n.startsWith("ETCD_EXPERIMENTAL_")) {
                    experimentalEnv.add(n);
                }
            }
        }
        String pod = "statefulset/" + t.name();
        int m = minor.orElse(-1);
        List<Finding> out = new ArrayList<>();
        if (!v2.isEmpty()) {
            String msg = "the etcd container sets v2 options " + distinct(v2) + ", removed in etcd 3.6";
            String advice = "Remove them (the v2 API and v2 proxy are gone; migrate v2 data first, see etcd's 3.6 upgrade guide).";
            out.add(m >= 6 ? Finding.critical("etcd-flags", pod, msg + ": etcd " + "3." + m + " does not start with them", advice)
                    : Finding.warning("etcd-flags", pod, msg + ": upgrading to 3.6 would fail", advice));
        }
        if (!experimental.isEmpty()) {
            String msg = "the etcd container uses " + distinct(experimental) + ", deprecated in 3.6 and removed in 3.7";
            String advice = "Use the new names (--experimental-<x> became --<x>, some became --feature-gates=..., see etcd --help) "
                    + "before moving to 3.7.";
            out.add(m >= 7 ? Finding.critical("etcd-flags", pod, msg + ": etcd 3." + m + " does not start with them", advice)
                    : Finding.warning("etcd-flags", pod, msg, advice));
        }
        if (!experimentalEnv.isEmpty()) {
            String msg = "the etcd container sets " + distinct(experimentalEnv) + ", deprecated in 3.6 and removed in 3.7";
            String advice = "Rename them (ETCD_EXPERIMENTAL_<X> became ETCD_<X>, some became ETCD_FEATURE_GATES).";
            out.add(m >= 7 ? Finding.warning("etcd-flags", pod, msg + ": etcd 3." + m + " ignores them (\"unrecognized environment "
                    + "variable\") and runs without those settings", advice) : Finding.warning("etcd-flags", pod, msg, advice));
        }
        return out;
    }

    private static List<String> distinct(List<String> l) {
        return l.stream().distinct().toList();
    }
}
