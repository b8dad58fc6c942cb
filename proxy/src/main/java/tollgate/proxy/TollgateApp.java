package tollgate.proxy;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tollgate.config.TollgateConfig;
import tollgate.proxy.admin.AdminRoutes;
import tollgate.proxy.relay.CallGate;
import tollgate.proxy.server.InFlight;
import tollgate.proxy.server.TollgateServer;

/** A running tollgate: the server and the metering parts behind it, started and stopped together. */
public final class TollgateApp implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(TollgateApp.class);

    private final TollgateConfig config;
    private final PrometheusMeterRegistry registry;
    private final TollgateServer server;
    private volatile boolean stopped;

    private TollgateApp(TollgateConfig config) throws IOException, InterruptedException {
        this.config = config;
        this.registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        AtomicReference<InFlight> inFlight = new AtomicReference<>();
        AdminRoutes routes = new AdminRoutes(inFlight::get, accept -> new String[] {
                "text/plain; version=0.0.4; charset=utf-8", registry.scrape()});
        this.server = TollgateServer.start(config, CallGate.PASS_THROUGH, routes);
        inFlight.set(server.inFlight());
    }

    public static TollgateApp start(TollgateConfig config) throws IOException, InterruptedException {
        TollgateApp app = new TollgateApp(config);
        log.info("tollgate listening on {}:{}, upstream {} ({} transport)", config.listen().host(), app.port(), config.upstream(), app.server.transportName());
        return app;
    }

    public InetSocketAddress address() {
        return server.address();
    }

    public int port() {
        return server.port();
    }

    /** How often a slow client made tollgate pause reading an upstream (backpressure). */
    public long backpressurePauses() {
        return server.backpressurePauses();
    }

    public TollgateConfig config() {
        return config;
    }

    /** Graceful stop: drain in-flight calls up to {@code grace}, then flush the usage log. */
    public synchronized void stop(Duration grace) {
        if (stopped) {
            return;
        }
        stopped = true;
        log.info("tollgate stopping: draining in-flight calls (up to {}s)", grace.toSeconds());
        server.stop(grace);
        registry.close();
        log.info("tollgate stopped");
    }

    @Override
    public void close() {
        stop(config.shutdownGrace());
    }
}
