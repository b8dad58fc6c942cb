package tollgate.proxy.budget;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tollgate.proxy.TestTollgate;
import tollgate.proxy.Upstreams;

/**
 * Issue 17, item 1, through a real socket: every other spelling of a metered path is metered, budgeted and
 * forwarded as the canonical path; ambiguous spellings are refused before anything is forwarded.
 */
class PathSpellingTest {
    static final List<String> SPELLINGS = List.of("//v1/chat/completions", "/v1//chat/completions",
            "/v1/./chat/completions", "/v1/x/../chat/completions", "/v1/chat/%63ompletions", "/V1/chat/completions",
            "/v1/chat/completions/");

    @TempDir
    Path dir;
    MockWebServer upstream;
    final AtomicInteger served = new AtomicInteger();

    @BeforeEach
    void start() throws Exception {
        upstream = Upstreams.answering(BudgetEnforcementTest.ANSWER, served);
    }

    @AfterEach
    void stop() {
        upstream.close();
    }

    static String post(TestTollgate tg, String target, String key) throws Exception {
        try (Socket s = new Socket("127.0.0.1", tg.port())) {
            s.setSoTimeout(10_000);
            byte[] body = BudgetEnforcementTest.request().getBytes(StandardCharsets.UTF_8);
            String head = "POST " + target + " HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer " + key
                    + "\r\nContent-Type: application/json\r\nConnection: close\r\nContent-Length: " + body.length + "\r\n\r\n";
            s.getOutputStream().write(head.getBytes(StandardCharsets.US_ASCII));
            s.getOutputStream().write(body);
            // the whole answer (Connection: close), so that the call completes rather than losing its client
            String answer = new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
            return answer.substring(0, Math.max(0, answer.indexOf("\r\n")));
        }
    }

    @Test
    void everySpellingIsMeteredAndForwardedAsTheCanonicalPath() throws Exception {
        try (TestTollgate tg = TestTollgate.start(upstream.url("/base").toString(), dir, "timeouts: {idle: 30s}\n")) {
            for (String target : SPELLINGS) {
                assertThat(post(tg, target, "sk-any")).as(target).isEqualTo("HTTP/1.1 200 OK");
                RecordedRequest rec = upstream.takeRequest(5, TimeUnit.SECONDS);
                assertThat(rec.getTarget()).as(target).startsWith("/base/v1/chat/completions");
            }
            List<String> records = tg.awaitRecords(SPELLINGS.size());
            for (String line : records) {
                JsonNode r = BudgetEnforcementTest.JSON.readTree(line);
                assertThat(r.get("output_tokens").asLong()).as(line).isEqualTo(116);
                assertThat(r.get("cost_usd").decimalValue()).isEqualByComparingTo(BudgetEnforcementTest.PER_CALL);
            }
        }
    }

    @Test
    void noSpellingGetsPastASpentBudgetAndAmbiguousOnesAreRefused() throws Exception {
        try (TestTollgate tg = TestTollgate.start(upstream.url("/").toString(), dir,
                BudgetEnforcementTest.config("reserve", "0.0001"), BudgetEnforcementTest.ENV)) {
            assertThat(post(tg, "/v1/chat/completions", BudgetEnforcementTest.KEY)).isEqualTo("HTTP/1.1 200 OK");
            tg.awaitRecords(1);
            int servedBefore = served.get();
            for (String target : SPELLINGS) {
                assertThat(post(tg, target, BudgetEnforcementTest.KEY)).as(target).startsWith("HTTP/1.1 429");
            }
            for (String target : List.of("/v1/chat%2Fcompletions", "/v1/chat/completions%00", "/v1\\chat/completions")) {
                assertThat(post(tg, target, BudgetEnforcementTest.KEY)).as(target).startsWith("HTTP/1.1 400");
            }
            assertThat(served.get()).isEqualTo(servedBefore);
        }
    }

    @Test
    void anotherMethodOnAMeteredPathNeverCarriesTheVirtualKeysRealKey() throws Exception {
        try (TestTollgate tg = TestTollgate.start(upstream.url("/").toString(), dir,
                BudgetEnforcementTest.config("reserve", "5"), BudgetEnforcementTest.ENV)) {
            try (Socket s = new Socket("127.0.0.1", tg.port())) {
                s.setSoTimeout(10_000);
                s.getOutputStream().write(("GET /v1/chat/completions?limit=1 HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer "
                        + BudgetEnforcementTest.KEY + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                assertThat(new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII)).startsWith("HTTP/1.1 200");
            }
            RecordedRequest get = upstream.takeRequest(5, TimeUnit.SECONDS);
            assertThat(get.getMethod()).isEqualTo("GET");
            assertThat(get.getHeaders().get("Authorization")).isEqualTo("Bearer " + BudgetEnforcementTest.KEY);
            // a metered POST still swaps
            assertThat(post(tg, "/v1/chat/completions", BudgetEnforcementTest.KEY)).isEqualTo("HTTP/1.1 200 OK");
            assertThat(upstream.takeRequest(5, TimeUnit.SECONDS).getHeaders().get("Authorization"))
                    .isEqualTo("Bearer " + BudgetEnforcementTest.REAL_UPSTREAM_KEY);
        }
    }
}
