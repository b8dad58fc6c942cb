package tollgate.metering.usage;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class EndpointTest {
    @Test
    void azureDeploymentPathsAreMeteredAsTheOpenAiEndpointOfTheSameName() {
        assertThat(Endpoint.ofApiPath("/openai/deployments/prod-4o/chat/completions")).isEqualTo(Endpoint.CHAT_COMPLETIONS);
        assertThat(Endpoint.ofApiPath("/openai/deployments/d/completions")).isEqualTo(Endpoint.COMPLETIONS);
        assertThat(Endpoint.ofApiPath("/openai/deployments/d/embeddings")).isEqualTo(Endpoint.EMBEDDINGS);
        assertThat(Endpoint.ofApiPath("/openai/deployments/d/responses")).isEqualTo(Endpoint.RESPONSES);
        assertThat(Endpoint.ofApiPath("/openai/deployments/d/images/generations")).isEqualTo(Endpoint.OTHER);
        assertThat(Endpoint.ofApiPath("/openai/deployments/d")).isEqualTo(Endpoint.OTHER);
        assertThat(Endpoint.azureDeployment("/openai/deployments/prod-4o/chat/completions")).isEqualTo("prod-4o");
        assertThat(Endpoint.azureDeployment("/v1/chat/completions")).isNull();
    }

    @Test
    void theDeploymentStandsForTheModelOnlyWhenTheBodyNamesNone() {
        RequestInfo none = RequestInfo.parse(Endpoint.CHAT_COMPLETIONS, "{\"messages\":[]}".getBytes());
        assertThat(none.withDeploymentModel("prod-4o").model()).isEqualTo("prod-4o");
        RequestInfo named = RequestInfo.parse(Endpoint.CHAT_COMPLETIONS, "{\"model\":\"gpt-4o\"}".getBytes());
        assertThat(named.withDeploymentModel("prod-4o").model()).isEqualTo("gpt-4o");
    }

    @Test
    void theModelIsPeekedWithoutReadingPastIt() {
        assertThat(RequestInfo.peekModel(java.nio.ByteBuffer.wrap(
                "{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"model\":\"claude-sonnet-4-6\",\"broken".getBytes())))
                .isEqualTo("claude-sonnet-4-6");
        assertThat(RequestInfo.peekModel(java.nio.ByteBuffer.wrap("[1]".getBytes()))).isNull();
        assertThat(RequestInfo.peekModel(java.nio.ByteBuffer.wrap("{\"model\":7}".getBytes()))).isNull();
    }
}
