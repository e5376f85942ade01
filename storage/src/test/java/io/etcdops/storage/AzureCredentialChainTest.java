package io.etcdops.storage;

import com.azure.core.credential.TokenCredential;
import com.azure.core.credential.TokenRequestContext;
import com.azure.core.exception.ClientAuthenticationException;
import com.azure.identity.IntelliJCredentialBuilder;
import io.etcdops.core.runtime.ExitCode;
import io.etcdops.core.runtime.JobException;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

/**
 * The images leave out azure-identity's desktop token caches (msal4j-persistence-extension and JNA, see
 * storage/pom.xml). The credential the Azure store builds must still load and fail with Azure's authentication
 * error when nothing is configured (no AZURE_* variables, no az here; what the managed-identity probe meets depends on
 * the network), and the choices that would need the missing classes are refused up front as usage errors.
 */
class AzureCredentialChainTest {
    private static final TokenRequestContext STORAGE = new TokenRequestContext().addScopes("https://storage.azure.com/.default");

    @Test
    void theIdeCredentialsReallyNeedTheClassesTheImagesLeaveOut() {
        assertThatThrownBy(() -> Class.forName("com.sun.jna.Platform")).isInstanceOf(ClassNotFoundException.class);
        // why they are refused below: DefaultAzureCredential's unrestricted chain reaches this one when managed
        // identity is unavailable, and it dies on a missing class instead of reporting itself unavailable
        Throwable failure = catchThrowable(() -> new IntelliJCredentialBuilder().build().getToken(STORAGE)
                .block(Duration.ofSeconds(30)));
        assertThat(failure).isInstanceOf(NoClassDefFoundError.class);
    }

    @Test
    void theProductionChainIsTheDefaultAndFailsWithAnAzureError() {
        assertThat(assertFailsWithAzureError(AzureTokenCredentials.fromEnvironment(Map.of())))
                .as("the developer credentials are not in the chain").doesNotContainIgnoringCase("Azure CLI")
                .doesNotContain("IntelliJ");
    }

    @Test
    void azLoginCanBeChosenOnAVm() {
        assertThat(assertFailsWithAzureError(AzureTokenCredentials.fromEnvironment(Map.of("AZURE_TOKEN_CREDENTIALS", "AzureCliCredential"))))
                .as("the choice reaches the SDK").containsIgnoringCase("Azure CLI").doesNotContain("Managed Identity");
    }

    @Test
    void ideAndDevChoicesAreUsageErrors() {
        for (String choice : new String[] {"dev", "IntelliJCredential", "VisualStudioCodeCredential", "nonsense"}) {
            assertThatThrownBy(() -> AzureTokenCredentials.fromEnvironment(Map.of("AZURE_TOKEN_CREDENTIALS", choice)))
                    .isInstanceOfSatisfying(JobException.class, e -> assertThat(e.exitCode()).isEqualTo(ExitCode.USAGE))
                    .hasMessageStartingWith("AZURE_TOKEN_CREDENTIALS=" + choice + " is not supported")
                    .hasMessageContaining("AzureCliCredential");
        }
    }

    /** @return the failure's message */
    private static String assertFailsWithAzureError(TokenCredential credential) {
        Throwable failure = catchThrowable(() -> credential.getToken(STORAGE).block(Duration.ofSeconds(90)));

        assertThat(failure).isInstanceOf(ClientAuthenticationException.class);
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            assertThat(cause).isNotInstanceOf(LinkageError.class);
        }
        return failure.getMessage();
    }
}
