package tollgate.proxy.cli;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code tollgate watch} (SPEC 10): a running tollgate's calls as they end, from {@code /admin/usage/stream}, with
 * today's totals and the budgets nearest their limit. Redraws in place on a terminal, one line per call on a
 * pipe. Reconnects when tollgate restarts; Ctrl-C (or an interrupt) ends it.
 */
@Command(name = "watch", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Watch a running tollgate's calls live, with today's totals and the budgets nearest their limit.")
final class WatchCommand implements Callable<Integer> {
    static final String TOKEN_ENV = "TOLLGATE_ADMIN_TOKEN";
    private static final ObjectMapper JSON = new ObjectMapper().enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);
    private static final Duration REFRESH_EVERY = Duration.ofSeconds(30);

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--url", description = "the tollgate to watch (default ${DEFAULT-VALUE})", defaultValue = "http://127.0.0.1:8080")
    String url;

    @Option(names = "--key", description = "only calls of this key id")
    @Nullable String key;

    @Option(names = "--model", description = "only calls of this model")
    @Nullable String model;

    @Option(names = "--token-file", description = "read the admin token from this file (default: env " + TOKEN_ENV + ")")
    @Nullable Path tokenFile;

    @Option(names = "--plain", description = "one line per call even on a terminal")
    boolean plain;

    private final AtomicBoolean refreshQueued = new AtomicBoolean();

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        String token = token();
        if (token == null) {
            err.println("tollgate watch: no admin token (expected: env " + TOKEN_ENV + " or --token-file FILE)");
            return 2;
        }
        URI base;
        try {
            base = URI.create(url.endsWith("/") ? url.substring(0, url.length() - 1) : url);
            if (base.getHost() == null || !(base.getScheme().equals("http") || base.getScheme().equals("https"))) {
                throw new IllegalArgumentException("no host");
            }
        } catch (IllegalArgumentException e) {
            err.println("tollgate watch: --url: '" + url + "' (expected: http://HOST:PORT)");
            return 2;
        }
        boolean ansi = !plain && System.console() != null && !"dumb".equals(System.getenv("TERM"));
        WatchBoard board = new WatchBoard(base + filterNote(), ZoneId.systemDefault());
        WatchFeed feed = new WatchFeed(base, token, HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5)).build());
        ScheduledExecutorService refresher = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "tollgate-watch-refresh");
            t.setDaemon(true);
            return t;
        });
        WatchOutput output = new WatchOutput(out, board, ansi);
        Thread restore = new Thread(output::close, "tollgate-watch-exit");
        Runtime.getRuntime().addShutdownHook(restore);
        try {
            // the first refresh comes when the stream opens; this one keeps budgets current when no call ends
            refresher.scheduleWithFixedDelay(() -> refresh(feed, board, output), REFRESH_EVERY.toSeconds(),
                    REFRESH_EVERY.toSeconds(), TimeUnit.SECONDS);
            return follow(feed, board, output, refresher, err);
        } finally {
            refresher.shutdownNow();
            output.close();
            try {
                Runtime.getRuntime().removeShutdownHook(restore);
            } catch (IllegalStateException e) {
                // the JVM is already stopping (Ctrl-C): the hook runs anyway
            }
        }
    }

    /** Follows the stream until interrupted, reconnecting with a growing pause; exit 2 when the token is refused. */
    private int follow(WatchFeed feed, WatchBoard board, WatchOutput output, ScheduledExecutorService refresher, PrintWriter err) {
        long pauseMillis = 1000;
        while (!Thread.currentThread().isInterrupted()) {
            CompletableFuture<Integer> ended = feed.stream(new WatchFeed.Listener() {
                @Override
                public void open() {
                    board.status("live");
                    output.status(board);
                    later(refresher, () -> refresh(feed, board, output), 0);
                }

                @Override
                public void usage(String line) {
                    onRecord(line, board, output, feed, refresher);
                }
            });
            try {
                int status = ended.get();
                if (status == 401 || status == 404) {
                    err.println("tollgate watch: " + feed.base() + (status == 401
                            ? " refused the admin token (401; expected: the server's " + TOKEN_ENV + ")"
                            : " has no admin API (404; expected: the server started with " + TOKEN_ENV + " set)"));
                    return 2;
                }
                board.status(status == 200 ? "stream ended, reconnecting" : "HTTP " + status + ", retrying");
                if (status == 200) {
                    pauseMillis = 1000;
                }
            } catch (InterruptedException e) {
                ended.cancel(true);
                feed.stop();
                return 0;
            } catch (ExecutionException e) {
                Throwable c = e.getCause() == null ? e : e.getCause();
                board.status("cannot reach " + feed.base() + " (" + c.getClass().getSimpleName() + "), retrying");
            }
            output.status(board);
            try {
                Thread.sleep(pauseMillis);
            } catch (InterruptedException e) {
                return 0;
            }
            pauseMillis = Math.min(pauseMillis * 2, 15_000);
        }
        return 0;
    }

    private void onRecord(String data, WatchBoard board, WatchOutput output, WatchFeed feed, ScheduledExecutorService refresher) {
        JsonNode r;
        try {
            r = JSON.readTree(data);
        } catch (IOException e) {
            return;
        }
        if ((key != null && !key.equals(r.path("key").asText())) || (model != null && !model.equals(r.path("model").asText()))) {
            return;
        }
        board.add(r);
        output.call(board, r);
        // many calls a second make one refresh of the totals, not one each
        if (refreshQueued.compareAndSet(false, true)) {
            later(refresher, () -> {
                refreshQueued.set(false);
                refresh(feed, board, output);
            }, 500);
        }
    }

    private void refresh(WatchFeed feed, WatchBoard board, WatchOutput output) {
        try {
            List<String> q = new ArrayList<>(List.of("days=1", "suggestions=false"));
            if (key != null) {
                q.add("key=" + URLEncoder.encode(key, StandardCharsets.UTF_8));
            }
            if (model != null) {
                q.add("model=" + URLEncoder.encode(model, StandardCharsets.UTF_8));
            }
            boolean changed = board.today(JSON.readTree(feed.get("/admin/usage?" + String.join("&", q))).path("summary"));
            List<JsonNode> rows = new ArrayList<>();
            JSON.readTree(feed.get("/admin/budgets")).forEach(b -> {
                if (key == null || key.equals(b.path("key").asText())) {
                    rows.add(b);
                }
            });
            changed |= board.budgets(rows);
            if (changed) {
                output.totals(board);
            }
        } catch (IOException e) {
            board.status("totals unavailable (" + e.getMessage() + ")");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void later(ScheduledExecutorService refresher, Runnable task, long delayMillis) {
        try {
            refresher.schedule(task, delayMillis, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            // watch is ending: an event still in flight needs no refresh
        }
    }

    private @Nullable String token() throws IOException {
        if (tokenFile != null) {
            String t = Files.readString(tokenFile, StandardCharsets.UTF_8).trim();
            return t.isEmpty() ? null : t;
        }
        String t = System.getenv(TOKEN_ENV);
        return t == null || t.isBlank() ? null : t.trim();
    }

    private String filterNote() {
        return (key == null ? "" : "  key=" + key) + (model == null ? "" : "  model=" + model);
    }
}
