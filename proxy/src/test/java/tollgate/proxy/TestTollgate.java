package tollgate.proxy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import tollgate.config.CliOverrides;
import tollgate.config.ConfigLoader;
import tollgate.config.TollgateConfig;

/** Starts a real tollgate on a free loopback port for a test, from YAML text like a user would write. */
public final class TestTollgate implements AutoCloseable {
    public final TollgateApp app;
    public final Path logDir;
    public Path configFile;

    private TestTollgate(TollgateApp app, Path logDir) {
        this.app = app;
        this.logDir = logDir;
    }

    public static TestTollgate start(String upstream, Path dir, String yaml) throws Exception {
        return start(upstream, dir, yaml, Map.of());
    }

    public static TestTollgate start(String upstream, Path dir, String yaml, Map<String, String> env) throws Exception {
        return start(upstream, dir, yaml, env, java.time.Clock.systemUTC());
    }

    /** With the clock the proxy meters by (budget windows, rate-limit buckets, record times). */
    public static TestTollgate start(String upstream, Path dir, String yaml, Map<String, String> env,
                                     java.time.Clock clock) throws Exception {
        Path logDir = dir.resolve("logs");
        Files.createDirectories(dir);
        Path cfgFile = dir.resolve("tollgate-" + System.nanoTime() + ".yaml");
        Files.writeString(cfgFile, yaml, StandardCharsets.UTF_8);
        ConfigLoader loader = new ConfigLoader(new HashMap<>(env));
        CliOverrides flags = new CliOverrides("127.0.0.1:0", upstream, logDir.toString());
        TollgateConfig cfg = loader.load(cfgFile, flags);
        TestTollgate t = new TestTollgate(TollgateApp.start(cfg, () -> loader.load(cfgFile, flags), env, clock), logDir);
        t.configFile = cfgFile;
        return t;
    }

    /** Waits until the usage log of today holds at least {@code n} lines, and returns them. */
    public java.util.List<String> awaitRecords(int n) throws Exception {
        Path f = logDir.resolve("usage-" + java.time.LocalDate.now(java.time.ZoneOffset.UTC) + ".jsonl");
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            app.usageLog().flush().get(5, java.util.concurrent.TimeUnit.SECONDS);
            if (Files.exists(f)) {
                java.util.List<String> lines = Files.readAllLines(f);
                if (lines.size() >= n) {
                    return lines;
                }
            }
            Thread.sleep(20);
        }
        throw new AssertionError("fewer than " + n + " usage records in " + f);
    }

    public String base() {
        return "http://127.0.0.1:" + app.port();
    }

    public int port() {
        return app.port();
    }

    @Override
    public void close() throws IOException {
        app.stop(Duration.ofSeconds(5));
    }
}
