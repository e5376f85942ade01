package io.etcdops.replacer;

import io.etcdops.core.kube.StatefulSetTarget;
import io.fabric8.kubernetes.api.model.Container;

import java.nio.file.Path;
import java.util.List;

/** How a wiped replica comes back as a member, by what its etcd container runs. */
enum RejoinMode {
    /**
     * The container runs the etcd binary itself, configured by flags or {@code ETCD_*} variables (etcd's docs, the
     * etcd-io operator): its flags cannot be trusted to join an existing cluster ({@code --initial-cluster-state=new} is
     * common), so a seed pod joins once on its volume first ({@link SeedPod}).
     */
    SEED,
    /**
     * The container runs a script that decides by itself whether to start a new cluster or join the existing one and
     * adds its member (the Bitnami chart): the replacer removes the old member, wipes the volume and waits for the
     * script to bring the member back, promoting it if it joined as a learner. Not testable here (see TESTING.md).
     */
    POD_SCRIPTS;

    static RejoinMode of(StatefulSetTarget t) {
        Container c = t.statefulSet().getSpec().getTemplate().getSpec().getContainers().stream()
                .filter(x -> x.getName().equals(t.etcdContainer())).findFirst().orElseThrow();
        List<String> argv = !c.getCommand().isEmpty() ? c.getCommand() : c.getArgs();
        boolean direct = !argv.isEmpty() && (Path.of(argv.get(0)).getFileName().toString().equals("etcd")
                // only flags: the image's entrypoint is etcd itself
                || (c.getCommand().isEmpty() && argv.get(0).startsWith("-")));
        return direct ? SEED : POD_SCRIPTS;
    }
}
