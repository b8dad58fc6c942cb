package tollgate.metering.key;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

class ApiKeysTest {

    @Test
    void bearerTokenWinsOverApiKeyAndXApiKey() {
        assertThat(ApiKeys.fromHeaders(headers("Authorization", "Bearer sk-a", "api-key", "sk-b", "x-api-key", "sk-c")))
                .isEqualTo("sk-a");
    }

    @Test
    void apiKeyWinsOverXApiKey() {
        assertThat(ApiKeys.fromHeaders(headers("api-key", "sk-b", "x-api-key", "sk-c"))).isEqualTo("sk-b");
    }

    @Test
    void xApiKeyIsTheLastResort() {
        assertThat(ApiKeys.fromHeaders(headers("x-api-key", " sk-c "))).isEqualTo("sk-c");
    }

    @Test
    void authorizationOfAnotherSchemeFallsThroughToApiKey() {
        assertThat(ApiKeys.fromHeaders(headers("Authorization", "Basic dXNlcjpwYXNz", "api-key", "sk-b"))).isEqualTo("sk-b");
        assertThat(ApiKeys.fromHeaders(headers("Authorization", "Bearersk-glued"))).isNull();
    }

    @Test
    void bearerSchemeIsCaseInsensitiveAndTokenTrimmed() {
        assertThat(ApiKeys.fromHeaders(headers("Authorization", "bearer   sk-a  "))).isEqualTo("sk-a");
        assertThat(ApiKeys.fromHeaders(headers("Authorization", "BEARER sk-a"))).isEqualTo("sk-a");
    }

    @Test
    void emptyCredentialsMeanNoKey() {
        assertThat(ApiKeys.fromHeaders(headers("Authorization", "Bearer ", "api-key", "  "))).isNull();
        assertThat(ApiKeys.fromHeaders(headers())).isNull();
    }

    private static Function<String, String> headers(String... nameValues) {
        Map<String, String> m = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        for (int i = 0; i < nameValues.length; i += 2) {
            m.put(nameValues[i], nameValues[i + 1]);
        }
        return m::get;
    }
}
