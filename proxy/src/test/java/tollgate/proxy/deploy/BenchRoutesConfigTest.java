package tollgate.proxy.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import mockwebserver3.MockWebServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tollgate.proxy.TestTollgate;
import tollgate.proxy.Upstreams;
import tollgate.proxy.budget.BudgetEnforcementTest;

/**
 * {@code bench/tollgate-routes.yaml} as {@code bench/run --tollgate-config} uses it (its {@code @MOCK_PORT@} made the
 * mock's port): it loads, and s1's gpt-4o-mini call takes the catch-all route past the two globs.
 */
class BenchRoutesConfigTest {
    @TempDir
    Path dir;

    @Test
    void s1sCallTakesTheCatchAllRouteAndAClaudeCallItsOwn() throws Exception {
        String yaml = Files.readString(RepoLayout.root().resolve("bench/tollgate-routes.yaml"));
        assertThat(yaml).contains("@MOCK_PORT@");
        ObjectMapper json = new ObjectMapper();
        HttpClient http = HttpClient.newHttpClient();
        try (MockWebServer mock = Upstreams.answering(BudgetEnforcementTest.ANSWER);
             TestTollgate tg = TestTollgate.start("http://127.0.0.1:9", dir,
                     yaml.replace("@MOCK_PORT@", Integer.toString(mock.getPort())))) {
            for (String model : new String[] {"gpt-4o-mini", "claude-haiku-4-5"}) {
                HttpResponse<String> res = http.send(HttpRequest.newBuilder(URI.create(tg.base() + "/v1/chat/completions"))
                        .header("Authorization", "Bearer sk-bench-0000000000000000000000000000000000000000")
                        .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"" + model + "\",\"messages\":[],"
                                + "\"max_tokens\":200}")).build(), HttpResponse.BodyHandlers.ofString());
                assertThat(res.statusCode()).isEqualTo(200);
            }
            assertThat(mock.takeRequest(5, TimeUnit.SECONDS).getTarget()).isEqualTo("/v1/chat/completions");
            assertThat(mock.takeRequest(5, TimeUnit.SECONDS).getTarget()).isEqualTo("/anthropic/v1/chat/completions");
            JsonNode first = json.readTree(tg.awaitRecords(2).get(0));
            JsonNode second = json.readTree(tg.awaitRecords(2).get(1));
            assertThat(new String[] {first.get("provider").asText(), second.get("provider").asText()})
                    .containsExactlyInAnyOrder("openai", "anthropic");
        }
    }
}
