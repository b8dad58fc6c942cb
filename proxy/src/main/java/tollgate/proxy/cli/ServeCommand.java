package tollgate.proxy.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import tollgate.config.CliOverrides;
import tollgate.config.ConfigException;
import tollgate.config.ConfigLoader;
import tollgate.config.TollgateConfig;
import tollgate.proxy.TollgateApp;

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
        TollgateConfig cfg;
        try {
            cfg = new ConfigLoader(System.getenv()).load(config, new CliOverrides(listen, upstream, logDir));
        } catch (ConfigException e) {
            for (String err : e.errors()) {
                System.err.println("tollgate: " + err);
            }
            return 2;
        }
        TollgateApp app;
        try {
            app = TollgateApp.start(cfg);
        } catch (java.io.IOException e) {
            System.err.println("tollgate: " + e.getMessage());
            return 2;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            app.stop(cfg.shutdownGrace());
            stopped.countDown();
        }, "tollgate-shutdown"));
        stopped.await();
        return 0;
    }
}
