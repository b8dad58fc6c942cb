package tollgate.bench.mock;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The mock's answers carry what a provider's do: here, an {@code x-request-id} of their own. */
class MockUpstreamTest {

    @Test
    void everyAnswerJsonOrStreamHasItsOwnRequestId() throws Exception {
        MockUpstream mock = MockUpstream.start(new InetSocketAddress("127.0.0.1", 0), 1, MockOptions.DEFAULTS);
        try {
            HttpClient http = HttpClient.newHttpClient();
            Set<String> ids = new HashSet<>();
            for (int i = 0; i < 6; i++) {
                String body = "{\"model\":\"gpt-4o-mini\",\"stream\":" + (i % 2 == 1)
                        + ",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(
                                URI.create("http://127.0.0.1:" + mock.port() + "/v1/chat/completions"))
                        .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
                assertThat(r.statusCode()).isEqualTo(200);
                String id = r.headers().firstValue("x-request-id").orElseThrow();
                assertThat(id).startsWith("req_");
                ids.add(id);
            }
            assertThat(ids).hasSize(6);
        } finally {
            mock.close();
        }
    }
}
