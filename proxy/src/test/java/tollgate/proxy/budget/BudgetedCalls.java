package tollgate.proxy.budget;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import mockwebserver3.MockWebServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import tollgate.proxy.TestTollgate;
import tollgate.proxy.Upstreams;

/**
 * An upstream that answers every chat call with {@link BudgetEnforcementTest#ANSWER} (counting them), and the
 * chat call of {@link BudgetEnforcementTest#request()} through a tollgate, by key and extra headers.
 */
abstract class BudgetedCalls {

    @TempDir
    Path dir;

    MockWebServer upstream;
    final AtomicInteger served = new AtomicInteger();
    final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @BeforeEach
    void startUpstream() throws Exception {
        upstream = Upstreams.answering(BudgetEnforcementTest.ANSWER, served);
    }

    @AfterEach
    void stopUpstream() {
        upstream.close();
    }

    HttpRequest request(TestTollgate tg, String key, Map<String, String> headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(tg.base() + "/v1/chat/completions"))
                .header("Authorization", "Bearer " + key)
                .POST(HttpRequest.BodyPublishers.ofString(BudgetEnforcementTest.request()));
        headers.forEach(b::header);
        return b.build();
    }

    HttpResponse<String> call(TestTollgate tg, String key, Map<String, String> headers) throws Exception {
        return http.send(request(tg, key, headers), HttpResponse.BodyHandlers.ofString());
    }
}
