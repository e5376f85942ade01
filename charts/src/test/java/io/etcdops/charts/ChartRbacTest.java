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

    /** Today every job only records Events about its runs; nothing reads or writes anything else in Kubernetes. */
    static final List<PolicyRule> EVENTS_ONLY = List.of(
            new PolicyRuleBuilder().withApiGroups("").withResources("events").withVerbs("create").build());

    static final Map<String, List<PolicyRule>> EXPECTED_RULES = Map.of(
            "backup", EVENTS_ONLY,
            "restore", EVENTS_ONLY,
            "drill", EVENTS_ONLY,
            "health", EVENTS_ONLY,
            "replacer", EVENTS_ONLY,
            "upgrade", EVENTS_ONLY);

    @ParameterizedTest(name = "{0}")
    @EnumSource(Helm.class)
    void everyJobHasItsOwnAccountAndExactlyTheRulesItNeeds(Helm helm) {
        Rendered r = helm.render("everything-on");
        assertThat(r.all(Role.class)).hasSize(EXPECTED_RULES.size());
        assertThat(r.generic("ClusterRole")).isEmpty();
        assertThat(r.generic("ClusterRoleBinding")).isEmpty();
        EXPECTED_RULES.forEach((job, rules) -> {
            String name = "etcd-ops-" + job;
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

            ServiceAccount sa = r.get(ServiceAccount.class, name);
            assertThat(sa.getAutomountServiceAccountToken()).as("no token unless projected into the job's container").isFalse();
            assertThat(Rendered.pod(r.cronJob(job)).getServiceAccountName()).isEqualTo(name);
        });
    }

    @Test
    void backupNeedsNoKubernetesWriteBeyondEventsAndNoRead() {
        Role role = Helm.HELM3.render("minimal").get(Role.class, "etcd-ops-backup");
        assertThat(role.getRules()).flatMap(PolicyRule::getResources).containsOnly("events");
        assertThat(role.getRules()).flatMap(PolicyRule::getVerbs).containsOnly("create");
    }

    @Test
    void disabledJobsGetNoAccountAndNoRole() {
        Rendered r = Helm.HELM3.render("minimal");
        assertThat(r.all(Role.class)).extracting(x -> x.getMetadata().getName())
                .containsExactlyInAnyOrder("etcd-ops-backup", "etcd-ops-restore");
        assertThat(r.all(ServiceAccount.class)).extracting(x -> x.getMetadata().getName())
                .containsExactlyInAnyOrder("etcd-ops-backup", "etcd-ops-restore");
    }

    @Test
    void rolesGoToTheTargetNamespaceAndBindTheAccountsInTheReleaseNamespace() {
        Rendered r = Helm.HELM3.render(List.of(Project.valuesFile("minimal")), Map.of("target.namespace", "etcd-prod"));
        assertThat(r.all(Role.class)).allSatisfy(x -> assertThat(x.getMetadata().getNamespace()).isEqualTo("etcd-prod"));
        assertThat(r.all(RoleBinding.class)).allSatisfy(b -> {
            assertThat(b.getMetadata().getNamespace()).isEqualTo("etcd-prod");
            assertThat(b.getSubjects().get(0).getNamespace()).isEqualTo(Helm.NAMESPACE);
        });
        assertThat(r.all(ServiceAccount.class)).allSatisfy(s -> assertThat(s.getMetadata().getNamespace()).isEqualTo(Helm.NAMESPACE));
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
