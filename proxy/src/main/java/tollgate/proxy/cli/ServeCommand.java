package tollgate.proxy.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import tollgate.config.CliOverrides;
import tollgate.config.ConfigException;
import tollgate.config.ConfigLoader;
import tollgate.config.TollgateConfig;
import tollgate.proxy.ConfigSource;
import tollgate.proxy.TollgateApp;
import java.time.Clock;
import java.util.List;
import org.slf4j.LoggerFactory;

/** {@code tollgate serve}: runs the proxy until SIGTERM/SIGINT, then stops gracefully. */
@Command(name = "serve", mixinStandardHelpOptions = true, description = "Run the metering proxy.")
final class ServeCommand implements Callable<Integer> {
    @Option(names = "--config", description = "YAML or JSON config file (env TOLLGATE_CONFIG)")
    Path config;

    @Option(names = "--listen", description = "HOST:PORT to listen on (env TOLLGATE_LISTEN, default 127.0.0.1:8080)")
    String listen;

    @Option(names = "--upstream", description = "upstream base URL (env TOLLGATE_UPSTREAM, default https://api.openai.com)")
    String upstream;

    @Option(names = "--log-dir", description = "usage log folder (env TOLLGATE_LOG_DIR, default ./logs)")
    String logDir;

    @Override
    public Integer call() throws Exception {
        ConfigLoader loader = new ConfigLoader(System.getenv());
        CliOverrides flags = new CliOverrides(listen, upstream, logDir);
        TollgateConfig cfg;
        try {
            cfg = loader.load(config, flags);
        } catch (ConfigException e) {
            for (String err : e.errors()) {
                System.err.println("tollgate: " + err);
            }
            return 2;
        }
        // The hook is in place before the port opens: a SIGTERM that comes while tollgate starts (or just after it
        // listens) waits for the start to end, then drains and flushes like any other, instead of exiting with no stop.
        AtomicReference<TollgateApp> running = new AtomicReference<>();
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                started.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            TollgateApp app = running.get();
            if (app != null) {
                app.stop(cfg.shutdownGrace());
            }
            stopped.countDown();
        }, "tollgate-shutdown"));
        try {
            ConfigSource source = cfg.source() == null ? null : () -> loader.load(config, flags);
            TollgateApp app = TollgateApp.start(cfg, source, System.getenv(), Clock.systemUTC());
            onSighup(app);
            running.set(app);
        } catch (java.io.IOException e) {
            System.err.println("tollgate: " + e.getMessage());
            return 2;
        } finally {
            started.countDown();
        }
        stopped.await();
        return 0;
    }

    /** SIGHUP reloads the config (SPEC 7), as daemons do; where the JVM cannot trap it, the other triggers remain. */
    private static void onSighup(TollgateApp app) {
        try {
            sun.misc.Signal.handle(new sun.misc.Signal("HUP"), sig -> {
                List<String> errors = app.reload();
                if (!errors.isEmpty()) {
                    LoggerFactory.getLogger(ServeCommand.class).warn("SIGHUP: config refused, the running one stays: {}",
                            String.join("; ", errors));
                }
            });
        } catch (IllegalArgumentException | UnsupportedOperationException e) {
            LoggerFactory.getLogger(ServeCommand.class).info("SIGHUP cannot be trapped here ({}); use POST /admin/reload", e.getMessage());
        }
    }
}
