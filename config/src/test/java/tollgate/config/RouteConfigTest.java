package tollgate.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RouteConfigTest {
    static RouteConfig models(String... globs) {
        return new RouteConfig(List.of(globs), null, URI.create("https://api.example"), "p", null, Map.of());
    }

    @Test
    void globsMatchWholeModelNames() {
        RouteConfig claude = models("claude-*", "o?-mini", "*-preview-*");
        assertThat(claude.matchesModel("claude-sonnet-4-6")).isTrue();
        assertThat(claude.matchesModel("claude-")).isTrue();
        assertThat(claude.matchesModel("xclaude-1")).isFalse();
        assertThat(claude.matchesModel("o4-mini")).isTrue();
        assertThat(claude.matchesModel("o4-mini-2025")).isFalse();
        assertThat(claude.matchesModel("gpt-4o-audio-preview-2024")).isTrue();
        assertThat(models("*").matchesModel("")).isTrue();
        assertThat(models("gpt-4o").matchesModel("gpt-4o-mini")).isFalse();
        // a pathological glob against a long name is linear work, not exponential
        String g = "*a".repeat(60) + "b";
        assertThat(models(g).matchesModel("a".repeat(128))).isFalse();
    }

    @Test
    void aPathPrefixMatchesWholeSegments() {
        RouteConfig azure = new RouteConfig(List.of(), "/azure", URI.create("https://r.example"), "azure", null, Map.of());
        assertThat(azure.matchesPath("/azure/openai/deployments/d/chat/completions?api-version=1")).isTrue();
        assertThat(azure.matchesPath("/azure")).isTrue();
        assertThat(azure.matchesPath("/azure?x=1")).isTrue();
        assertThat(azure.matchesPath("/azurex/v1")).isFalse();
        assertThat(azure.matchesModel("gpt-4o")).isFalse();
    }

    @Test
    void badRoutesNameTheSettingAndWhatIsExpected() {
        URI u = URI.create("https://a.example");
        assertThatThrownBy(() -> new RouteConfig(List.of(), null, u, "p", null, Map.of()))
                .hasMessage("models, path_prefix: neither given (expected: one of them)");
        assertThatThrownBy(() -> new RouteConfig(List.of(), "/v1", u, "p", null, Map.of()))
                .hasMessageStartingWith("path_prefix: '/v1'");
        assertThatThrownBy(() -> new RouteConfig(List.of("x"), null, u, "Open AI", null, Map.of()))
                .hasMessageStartingWith("provider: 'Open AI'");
        assertThatThrownBy(() -> new RouteConfig(List.of("x"), null, u, "p", null, Map.of("Authorization", "x")))
                .hasMessageStartingWith("headers: 'Authorization'");
    }
}
