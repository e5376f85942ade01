package io.etcdops.storage;

import com.azure.core.credential.TokenCredential;
import com.azure.core.util.Configuration;
import com.azure.core.util.ConfigurationBuilder;
import com.azure.core.util.ConfigurationSource;
import com.azure.identity.DefaultAzureCredentialBuilder;
import io.etcdops.core.runtime.JobException;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The Azure AD credential of the Azure store when no key is given: DefaultAzureCredential limited, unless
 * {@value #CHOICE_ENV} says otherwise, to its production chain (environment service principal, workload identity,
 * managed identity). A job must not pick up a developer's IDE login, and the images leave out the desktop token
 * caches (JNA, msal4j-persistence-extension) the IDE credentials load, so those choices are refused as usage errors
 * instead of failing on a missing class. On a VM with {@code az login}: {@value #CHOICE_ENV}={@code AzureCliCredential}.
 */
final class AzureTokenCredentials {
    /** DefaultAzureCredential's own selector: "prod", "dev" or one credential's class name. */
    static final String CHOICE_ENV = "AZURE_TOKEN_CREDENTIALS";
    static final String DEFAULT_CHOICE = "prod";
    static final List<String> SUPPORTED = List.of(DEFAULT_CHOICE, "EnvironmentCredential", "WorkloadIdentityCredential",
            "ManagedIdentityCredential", "AzureCliCredential");

    private AzureTokenCredentials() {
    }

    /** @param env the process environment (a plain map in tests); the SDK reads its AZURE_* variables from it */
    static TokenCredential fromEnvironment(Map<String, String> env) {
        String given = env.getOrDefault(CHOICE_ENV, "").trim();
        String choice = given.isEmpty() ? DEFAULT_CHOICE : given;
        if (SUPPORTED.stream().noneMatch(choice::equalsIgnoreCase)) {
            throw JobException.usage(CHOICE_ENV + "=" + given + " is not supported by etcd-ops (its images carry no"
                    + " desktop token caches): use one of " + String.join(", ", SUPPORTED) + ", or set "
                    + AzureClients.ACCOUNT_KEY_ENV + " / " + AzureClients.CONNECTION_STRING_ENV);
        }
        Map<String, String> variables = new HashMap<>(env);
        variables.put(CHOICE_ENV, choice);
        ConfigurationSource none = path -> Map.of();
        Configuration configuration = new ConfigurationBuilder(none, none, path -> variables).build();
        return new DefaultAzureCredentialBuilder().configuration(configuration).build();
    }
}
