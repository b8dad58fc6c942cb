package tollgate.proxy.dashboard;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import tollgate.proxy.TestTollgate;
import tollgate.proxy.budget.BudgetEnforcementTest;
import tollgate.proxy.cli.TollgateCli;

/** {@code tollgate watch} against a running tollgate, with its output piped (plain lines, one per call). */
class WatchCommandTest {
    static final String ADMIN = "watch-admin-token-for-tests";
    static final String OTHER_KEY = "tg-other-key-0000000000000000000003";

    @TempDir
    Path dir;

    MockWebServer upstream;
    TestTollgate tg;
    final HttpClient http = HttpClient.newHttpClient();

    @BeforeEach
    void start() throws Exception {
        upstream = new MockWebServer();
        upstream.setDispatcher(new Dispatcher() {
            @Override
            public MockResponse dispatch(RecordedRequest request) {
                // answers with the model asked for, so calls of different models can be told apart
                String body = request.getBody() == null ? "" : request.getBody().utf8();
                String model = body.contains("\"gpt-4o\"") ? "gpt-4o-2024-08-06" : "gpt-4o-mini-2024-07-18";
                return new MockResponse.Builder().addHeader("Content-Type", "application/json")
                        .body(BudgetEnforcementTest.ANSWER.replace("gpt-4o-mini-2024-07-18", model)).build();
            }
        });
        upstream.start();
        tg = Figures.withAdmin(upstream.url("/").toString(), dir, ADMIN);
    }

    @AfterEach
    void stop() throws Exception {
        if (tg != null) {
            tg.close();
        }
        upstream.close();
    }

    /** {@code tollgate watch ARGS…} on its own thread, its standard output captured. */
    final class Watch {
        final StringWriter out = new StringWriter();
        final StringWriter err = new StringWriter();
        final AtomicInteger exit = new AtomicInteger(-1);
        final Thread thread;

        Watch(String... args) {
            CommandLine cl = new CommandLine(new TollgateCli());
            cl.setOut(new PrintWriter(out, true));
            cl.setErr(new PrintWriter(err, true));
            thread = new Thread(() -> exit.set(cl.execute(args)), "watch-under-test");
            thread.start();
        }

        synchronized String output() {
            synchronized (out) {
                return out.toString();
            }
        }

        void awaitOutput(Predicate<String> what, String description) throws InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
            while (System.nanoTime() < deadline) {
                if (what.test(output())) {
                    return;
                }
                Thread.sleep(20);
            }
            throw new AssertionError("watch never printed " + description + "; it printed:\n" + output() + "\nstderr:\n" + err);
        }

        /** Ctrl-C's in-process equivalent: the command returns 0. */
        int stop() throws InterruptedException {
            thread.interrupt();
            thread.join(TimeUnit.SECONDS.toMillis(10));
            assertThat(thread.isAlive()).as("watch stopped").isFalse();
            return exit.get();
        }
    }

    void call(String key, String model) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(tg.base() + "/v1/chat/completions"))
                .header("Authorization", "Bearer " + key)
                .POST(HttpRequest.BodyPublishers.ofString(BudgetEnforcementTest.request().replace("gpt-4o-mini", model))).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
    }

    @Test
    void watchPrintsEachCallAsALineWithTodaysTotalsAndKeepsToItsFilters() throws Exception {
        Path tokenFile = dir.resolve("admin-token");
        Files.writeString(tokenFile, ADMIN + "\n");
        Watch all = new Watch("watch", "--url", tg.base(), "--token-file", tokenFile.toString());
        Watch storybot = new Watch("watch", "--url", tg.base(), "--token-file", tokenFile.toString(),
                "--key", "storybot", "--model", "gpt-4o-mini-2024-07-18");
        all.awaitOutput(o -> o.contains("-- live"), "that the stream is open");
        storybot.awaitOutput(o -> o.contains("-- live"), "that the stream is open");

        call(OTHER_KEY, "gpt-4o");
        call(BudgetEnforcementTest.KEY, "gpt-4o-mini");
        all.awaitOutput(o -> o.contains("  storybot  gpt-4o-mini-2024-07-18  $0.0000711  in 10  out 116  "),
                "the storybot call");
        all.awaitOutput(o -> o.contains("  gpt-4o-2024-08-06  $"), "the other key's call");
        all.awaitOutput(o -> o.contains("today 2 calls · $") && o.contains(" · 252 tokens (in 20 "), "the totals after two calls");
        storybot.awaitOutput(o -> o.contains("  storybot  gpt-4o-mini-2024-07-18  "), "the storybot call");
        // the stream delivers in order: the filtered watch saw the other key's call first, and left it out
        storybot.awaitOutput(o -> o.contains("today 1 call · "), "its filtered totals");
        assertThat(storybot.output()).doesNotContain("gpt-4o-2024-08-06").doesNotContain("fp-");
        assertThat(storybot.output()).contains("budget storybot").contains("$5.00");

        assertThat(all.stop()).isZero();
        assertThat(storybot.stop()).isZero();
        assertThat(all.output()).doesNotContain("\u001b[").as("no terminal codes on a pipe");
    }

    @Test
    void aWrongTokenEndsWatchWithExit2AndTheReason() throws Exception {
        Path tokenFile = dir.resolve("wrong-token");
        Files.writeString(tokenFile, "not-the-admin-token");
        Watch w = new Watch("watch", "--url", tg.base(), "--token-file", tokenFile.toString());
        w.thread.join(TimeUnit.SECONDS.toMillis(15));
        assertThat(w.exit.get()).isEqualTo(2);
        assertThat(w.err.toString()).contains("refused the admin token").contains("401");
    }
}
