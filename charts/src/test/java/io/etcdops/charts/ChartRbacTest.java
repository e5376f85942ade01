package io.etcdops.charts;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.batch.v1.CronJob;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.PolicyRuleBuilder;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** One ServiceAccount + Role + RoleBinding per job, with exactly the rules each job needs — asserted verbatim. */
class ChartRbacTest {

    /**
     * backup-job writes Events about each run on the StatefulSet and reads that one StatefulSet (its uid, so that
     * `kubectl describe statefulset` lists them). restore-job kubernetes scales the StatefulSet, records progress on it,
     * holds the cluster Lease and runs restore pods; upgrader patches the StatefulSet and deletes its pods one at a time
     * under the Lease. member-replacer reads and annotates the StatefulSet, holds the Lease, and holds (finalizer), deletes
     * and re-seeds one member's pod through a seed pod it creates; for StatefulSets whose pod scripts rejoin by
     * themselves it deletes the member's claims instead. health-checker (StatefulSet target, the default) reads the
     * StatefulSet and its pods, writes Events, and holds the Lease for defrag (on in everything-on; see below). No other
     * job, as the chart runs it today, talks to Kubernetes: no Role at all (and no token).
     */
    static final Map<String, List<PolicyRule>> EXPECTED_RULES = Map.of(
            "backup", List.of(
                    new PolicyRuleBuilder().withApiGroups("").withResources("events").withVerbs("create").build(),
                    new PolicyRuleBuilder().withApiGroups("apps").withResources("statefulsets").withResourceNames("etcd")
                            .withVerbs("get").build()),
            // restore-job kubernetes: checked against the requests it really makes by ChartRbacIT
            "restore", List.of(
                    new PolicyRuleBuilder().withApiGroups("").withResources("events").withVerbs("create").build(),
                    new PolicyRuleBuilder().withApiGroups("apps").withResources("statefulsets").withResourceNames("etcd")
                            .withVerbs("get", "patch").build(),
                    new PolicyRuleBuilder().withApiGroups("apps").withResources("statefulsets/scale").withResourceNames("etcd")
                            .withVerbs("get", "update").build(),
                    new PolicyRuleBuilder().withApiGroups("coordination.k8s.io").withResources("leases").withVerbs("create").build(),
                    new PolicyRuleBuilder().withApiGroups("coordination.k8s.io").withResources("leases").withResourceNames("etcd-ops-etcd")
                            .withVerbs("get", "update").build(),
                    new PolicyRuleBuilder().withApiGroups("").withResources("pods").withVerbs("get", "create", "delete", "deletecollection").build()),
            // member-replacer: checked against the requests a real replacement makes by ChartRbacIT (claims delete excepted)
            "replacer", List.of(
                    new PolicyRuleBuilder().withApiGroups("").withResources("events").withVerbs("create").build(),
                    new PolicyRuleBuilder().withApiGroups("apps").withResources("statefulsets").withResourceNames("etcd")
                            .withVerbs("get", "patch").build(),
                    new PolicyRuleBuilder().withApiGroups("coordination.k8s.io").withResources("leases").withVerbs("create").build(),
                    new PolicyRuleBuilder().withApiGroups("coordination.k8s.io").withResources("leases").withResourceNames("etcd-ops-etcd")
                            .withVerbs("get", "update").build(),
                    new PolicyRuleBuilder().withApiGroups("").withResources("pods").withVerbs("get", "list", "create", "delete", "patch").build(),
                    new PolicyRuleBuilder().withApiGroups("").withResources("persistentvolumeclaims").withVerbs("delete").build()),
            // health-checker with defrag: asserted verbatim (healthGetsARole... below covers the other combinations)
            "health", List.of(
                    new PolicyRuleBuilder().withApiGroups("").withResources("events").withVerbs("create").build(),
                    new PolicyRuleBuilder().withApiGroups("apps").withResources("statefulsets").withResourceNames("etcd").withVerbs("get").build(),
                    new PolicyRuleBuilder().withApiGroups("coordination.k8s.io").withResources("leases").withVerbs("create").build(),
                    new PolicyRuleBuilder().withApiGroups("coordination.k8s.io").withResources("leases").withResourceNames("etcd-ops-etcd")
                            .withVerbs("get", "update").build(),
                    new PolicyRuleBuilder().withApiGroups("").withResources("pods").withVerbs("get", "list").build()),
            // upgrader: checked against the requests it really makes by ChartRbacIT
            "upgrade", List.of(
                    new PolicyRuleBuilder().withApiGroups("").withResources("events").withVerbs("create").build(),
                    new PolicyRuleBuilder().withApiGroups("apps").withResources("statefulsets").withResourceNames("etcd")
                            .withVerbs("get", "patch").build(),
                    new PolicyRuleBuilder().withApiGroups("coordination.k8s.io").withResources("leases").withVerbs("create").build(),
                    new PolicyRuleBuilder().withApiGroups("coordination.k8s.io").withResources("leases").withResourceNames("etcd-ops-etcd")
                            .withVerbs("get", "update").build(),
                    new PolicyRuleBuilder().withApiGroups("").withResources("pods").withVerbs("get", "delete").build()));

    static final List<String> JOBS = List.of("backup", "restore", "drill", "health", "replacer", "upgrade");

    @ParameterizedTest(name = "{0}")
    @EnumSource(Helm.class)
    void everyJobHasItsOwnAccountAndExactlyTheRulesItNeeds(Helm helm) {
        Rendered r = helm.render("everything-on");
        assertThat(r.all(Role.class)).extracting(x -> x.getMetadata().getName())
                .containsExactlyInAnyOrderElementsOf(EXPECTED_RULES.keySet().stream().map(j -> "etcd-ops-" + j).toList());
        assertThat(r.all(RoleBinding.class)).hasSameSizeAs(r.all(Role.class));
        assertThat(r.generic("ClusterRole")).isEmpty();
        assertThat(r.generic("ClusterRoleBinding")).isEmpty();
        for (String job : JOBS) {
            String name = "etcd-ops-" + job;
            ServiceAccount sa = r.get(ServiceAccount.class, name);
            assertThat(sa.getAutomountServiceAccountToken()).as("no token unless projected into the job's container").isFalse();
            assertThat(Rendered.pod(r.cronJob(job)).getServiceAccountName()).isEqualTo(name);
            List<PolicyRule> rules = EXPECTED_RULES.get(job);
            if (rules == null) {
                assertThat(r.find(Role.class, name)).as(job + " uses no Kubernetes API: no Role").isEmpty();
                continue;
            }
            Role role = r.get(Role.class, name);
            assertThat(role.getRules()).as(job + " rules").containsExactlyElementsOf(rules);
            assertThat(role.getMetadata().getNamespace()).isEqualTo("etcd");

            RoleBinding b = r.get(RoleBinding.class, name);
            assertThat(b.getRoleRef().getKind()).isEqualTo("Role");
            assertThat(b.getRoleRef().getName()).isEqualTo(name);
            assertThat(b.getSubjects()).singleElement().satisfies(s -> {
                assertThat(s.getKind()).isEqualTo("ServiceAccount");
                assertThat(s.getName()).isEqualTo(name);
                assertThat(s.getNamespace()).isEqualTo(Helm.NAMESPACE);
            });
        }
    }

    @Test
    void backupNeedsNoKubernetesWriteBeyondEventsAndReadsOnlyItsStatefulSet() {
        Rendered r = Helm.HELM3.render(List.of(Project.valuesFile("minimal")), Map.of("target.statefulSet", "etcd-main"));
        Role role = r.get(Role.class, "etcd-ops-backup");
        assertThat(role.getRules()).filteredOn(x -> x.getVerbs().contains("create")).flatMap(PolicyRule::getResources).containsOnly("events");
        assertThat(role.getRules()).flatMap(PolicyRule::getVerbs).containsOnly("create", "get");
        assertThat(role.getRules()).filteredOn(x -> x.getResources().contains("statefulsets"))
                .singleElement().satisfies(x -> assertThat(x.getResourceNames()).containsExactly("etcd-main"));
        // and the job is told where to write them
        var backup = Rendered.main(r.cronJob("backup"));
        assertThat(Rendered.env(backup, "ETCD_OPS_STATEFULSET")).isEqualTo("etcd-main");
        assertThat(Rendered.env(backup, "ETCD_OPS_NAMESPACE")).isEqualTo(Helm.NAMESPACE);
    }

    /**
     * health-checker with the target StatefulSet (the default): it reads the StatefulSet and its pods and writes Events
     * on it; the cluster Lease only for the actions that change members (defrag, NOSPACE recovery). Asserted verbatim
     * (health-checker's HealthStatefulSetIT exercises those calls; ChartRbacIT does not record them yet). With the
     * switch off: no Role, no token, no StatefulSet env.
     */
    @ParameterizedTest(name = "defrag={0} recoverNospace={1}")
    @org.junit.jupiter.params.provider.CsvSource({"false,false", "true,false", "false,true", "true,true"})
    void healthGetsARoleOnlyWithTheStatefulSetTargetAndTheLeaseOnlyWhenItActs(boolean defrag, boolean recoverNospace) {
        Map<String, String> sets = Map.of("health.enabled", "true", "health.defrag", String.valueOf(defrag),
                "health.recoverNospace", String.valueOf(recoverNospace), "target.namespace", "etcd-prod");
        java.util.Map<String, String> offSets = new java.util.HashMap<>(sets);
        offSets.put("health.statefulSetTarget", "false");
        Rendered off = Helm.HELM3.render(List.of(Project.valuesFile("minimal")), offSets);
        assertThat(off.find(Role.class, "etcd-ops-health")).isEmpty();
        assertThat(Rendered.pod(off.cronJob("health")).getVolumes()).noneSatisfy(v -> assertThat(v.getProjected()).isNotNull());
        assertThat(Rendered.envNames(Rendered.main(off.cronJob("health")))).doesNotContain("ETCD_OPS_STATEFULSET", "ETCD_OPS_NAMESPACE");

        java.util.Map<String, String> on = new java.util.HashMap<>(sets);
        on.put("health.statefulSetTarget", "true");
        Rendered r = Helm.HELM3.render(List.of(Project.valuesFile("minimal")), on);
        List<PolicyRule> expected = new java.util.ArrayList<>(List.of(
                new PolicyRuleBuilder().withApiGroups("").withResources("events").withVerbs("create").build(),
                new PolicyRuleBuilder().withApiGroups("apps").withResources("statefulsets").withResourceNames("etcd").withVerbs("get").build()));
        if (defrag || recoverNospace) {
            expected.add(new PolicyRuleBuilder().withApiGroups("coordination.k8s.io").withResources("leases").withVerbs("create").build());
            expected.add(new PolicyRuleBuilder().withApiGroups("coordination.k8s.io").withResources("leases").withResourceNames("etcd-ops-etcd")
                    .withVerbs("get", "update").build());
        }
        expected.add(new PolicyRuleBuilder().withApiGroups("").withResources("pods").withVerbs("get", "list").build());
        Role role = r.get(Role.class, "etcd-ops-health");
        assertThat(role.getRules()).containsExactlyElementsOf(expected);
        assertThat(role.getMetadata().getNamespace()).isEqualTo("etcd-prod");
        assertThat(r.get(RoleBinding.class, "etcd-ops-health").getSubjects()).singleElement()
                .satisfies(s -> assertThat(s.getNamespace()).isEqualTo(Helm.NAMESPACE));
        var health = Rendered.main(r.cronJob("health"));
        assertThat(Rendered.env(health, "ETCD_OPS_STATEFULSET")).isEqualTo("etcd");
        assertThat(Rendered.env(health, "ETCD_OPS_NAMESPACE")).isEqualTo("etcd-prod");
        assertThat(Rendered.env(health, "ETCDCTL_ENDPOINTS")).as("the endpoints are passed either way").startsWith("http://etcd-0.");
        assertThat(health.getVolumeMounts()).anySatisfy(m -> assertThat(m.getMountPath()).isEqualTo("/var/run/secrets/kubernetes.io/serviceaccount"));
    }

    @Test
    void restoreInFetchModeNeedsNoKubernetesAccess() {
        Rendered r = Helm.HELM3.render(List.of(Project.valuesFile("file-store")), Map.of());
        assertThat(r.find(Role.class, "etcd-ops-restore")).isEmpty();
        assertThat(Rendered.pod(r.cronJob("restore")).getVolumes()).noneSatisfy(v -> assertThat(v.getProjected()).isNotNull());
    }

    @Test
    void disabledJobsGetNoAccountAndNoRole() {
        Rendered r = Helm.HELM3.render("minimal");
        assertThat(r.all(Role.class)).extracting(x -> x.getMetadata().getName()).containsExactlyInAnyOrder("etcd-ops-backup", "etcd-ops-restore");
        assertThat(r.all(ServiceAccount.class)).extracting(x -> x.getMetadata().getName())
                .containsExactlyInAnyOrder("etcd-ops-backup", "etcd-ops-restore");
    }

    @Test
    void rolesGoToTheTargetNamespaceAndBindTheAccountsInTheReleaseNamespace() {
        Rendered r = Helm.HELM3.render(List.of(Project.valuesFile("minimal")), Map.of("target.namespace", "etcd-prod"));
        assertThat(r.all(Role.class)).filteredOn(x -> !x.getMetadata().getName().endsWith("-self"))
                .hasSize(2).allSatisfy(x -> assertThat(x.getMetadata().getNamespace()).isEqualTo("etcd-prod"));
        assertThat(r.all(RoleBinding.class)).allSatisfy(b -> assertThat(b.getSubjects().get(0).getNamespace()).isEqualTo(Helm.NAMESPACE));
        // restore-job kubernetes reads its own pod, which runs in the release namespace
        Role self = r.get(Role.class, "etcd-ops-restore-self");
        assertThat(self.getMetadata().getNamespace()).isEqualTo(Helm.NAMESPACE);
        assertThat(self.getRules()).containsExactly(new PolicyRuleBuilder().withApiGroups("").withResources("pods").withVerbs("get").build());
        assertThat(r.get(RoleBinding.class, "etcd-ops-restore-self").getMetadata().getNamespace()).isEqualTo(Helm.NAMESPACE);
        assertThat(Helm.HELM3.render("minimal").find(Role.class, "etcd-ops-restore-self")).as("same namespace: not needed").isEmpty();
        assertThat(r.all(ServiceAccount.class)).allSatisfy(s -> assertThat(s.getMetadata().getNamespace()).isEqualTo(Helm.NAMESPACE));
        assertThat(Rendered.env(Rendered.main(r.cronJob("backup")), "ETCD_OPS_NAMESPACE")).isEqualTo("etcd-prod");
        assertThat(Rendered.env(Rendered.main(r.cronJob("backup")), "ETCDCTL_ENDPOINTS"))
                .isEqualTo("http://etcd-0.etcd-headless.etcd-prod.svc.cluster.local:2379,"
                        + "http://etcd-1.etcd-headless.etcd-prod.svc.cluster.local:2379,"
                        + "http://etcd-2.etcd-headless.etcd-prod.svc.cluster.local:2379");
    }

    @Test
    void existingAccountsAndNoRbac() {
        Rendered r = Helm.HELM3.render(List.of(Project.valuesFile("minimal")), Map.of(
                "serviceAccount.create", "false", "rbac.create", "false", "backup.serviceAccount.name", "my-backup-sa"));
        assertThat(r.all(ServiceAccount.class)).isEmpty();
        assertThat(r.all(Role.class)).isEmpty();
        assertThat(r.all(RoleBinding.class)).isEmpty();
        assertThat(Rendered.pod(r.cronJob("backup")).getServiceAccountName()).isEqualTo("my-backup-sa");
        assertThat(Rendered.pod(r.cronJob("restore")).getServiceAccountName()).isEqualTo("default");
        assertThat(r.all(CronJob.class)).hasSize(2);
        assertThat(r.all(GenericKubernetesResource.class)).isEmpty();
    }
}
