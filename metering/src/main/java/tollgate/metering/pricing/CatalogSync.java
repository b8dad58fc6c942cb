package tollgate.metering.pricing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Duration;
import java.time.LocalDate;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tollgate.config.PricingSync;
import tollgate.config.Redact;

/**
 * {@code pricing.sync} (SPEC 12): fetches a public price catalog on a schedule, on a thread of its own (never an I/O
 * thread), checks it by importing it ({@link CatalogImport}: it must read in its format and price at least one
 * model), keeps it on disk as the last good copy for a restart without network, and hands it to be applied like a
 * reload. A failed fetch or a bad catalog changes nothing and is counted.
 */
public final class CatalogSync implements AutoCloseable {
    /** The last good catalog, in the log folder (a place tollgate may write). */
    public static final String CACHE_FILE = "pricing-sync-catalog.json";
    /** A catalog larger than this is refused (LiteLLM's is about 1.5 MB). */
    static final long MAX_BYTES = 64L << 20;
    private static final Logger log = LoggerFactory.getLogger(CatalogSync.class);

    private final PricingSync config;
    private final Path cache;
    private final Clock clock;
    private final Consumer<CatalogImport.Result> apply;
    private final Runnable failed;
    private final HttpClient http;
    private final ScheduledExecutorService timer;

    /**
     * @param apply takes a catalog that passed the checks (on the sync thread)
     * @param failed counts a fetch or a catalog that did not
     */
    public CatalogSync(PricingSync config, Path cacheDir, Clock clock, Consumer<CatalogImport.Result> apply,
                       Runnable failed) {
        this.config = config;
        this.cache = cacheDir.resolve(CACHE_FILE);
        this.clock = clock;
        this.apply = apply;
        this.failed = failed;
        this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(30))
                .followRedirects(HttpClient.Redirect.NORMAL).build();
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "tollgate-pricing-sync");
            t.setDaemon(true);
            return t;
        });
    }

    /** The last good copy on disk, or null when there is none (or it no longer reads). Blocking: at start-up. */
    public CatalogImport.@Nullable Result cached() {
        if (!Files.exists(cache)) {
            return null;
        }
        try {
            return check(cache);
        } catch (PricingException e) {
            log.warn("pricing.sync: the last good catalog {} no longer reads: {}", cache, String.join("; ", e.errors()));
            return null;
        }
    }

    /** Fetches now, then every {@code pricing.sync.every}. */
    public void start() {
        long every = config.every().toMillis();
        timer.scheduleWithFixedDelay(this::syncQuietly, 0, every, TimeUnit.MILLISECONDS);
    }

    private void syncQuietly() {
        try {
            syncOnce();
        } catch (RuntimeException e) {
            failed.run();
            log.warn("pricing.sync: {}", e.toString());
        }
    }

    /** One fetch: true when a catalog was applied. */
    boolean syncOnce() {
        Path download = null;
        try {
            download = Files.createTempFile(cache.getParent(), "pricing-sync", ".part");
            HttpResponse<InputStream> res = http.send(HttpRequest.newBuilder(config.url())
                    .timeout(Duration.ofMinutes(2)).GET().build(), HttpResponse.BodyHandlers.ofInputStream());
            try (InputStream in = res.body(); OutputStream out = Files.newOutputStream(download)) {
                if (res.statusCode() != 200) {
                    throw new IOException("HTTP " + res.statusCode());
                }
                copyBounded(in, out);
            }
            CatalogImport.Result catalog = check(download);
            Files.move(download, cache, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            download = null;
            apply.accept(catalog);
            log.info("pricing.sync: {} models from {} applied", catalog.models().size(), Redact.url(config.url()));
            return true;
        } catch (IOException | PricingException e) {
            failed.run();
            String why = e instanceof PricingException p ? String.join("; ", p.errors()) : e.toString();
            log.warn("pricing.sync: {} not applied ({}); the prices in effect stay", Redact.url(config.url()), why);
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } finally {
            if (download != null) {
                try {
                    Files.deleteIfExists(download);
                } catch (IOException ignored) {
                    // a temp file in the log folder; the next sync makes another
                }
            }
        }
    }

    private CatalogImport.Result check(Path file) throws PricingException {
        CatalogFormat format = CatalogFormat.of(config.format());
        CatalogImport.Result r = CatalogImport.read(file, format, LocalDate.now(clock));
        if (r.models().isEmpty()) {
            throw new PricingException(config.format() + " catalog " + Redact.url(config.url())
                    + ": no model tollgate prices (expected: OpenAI or Anthropic models)");
        }
        return r;
    }

    private static void copyBounded(InputStream in, OutputStream out) throws IOException {
        byte[] buf = new byte[64 * 1024];
        long total = 0;
        int n;
        while ((n = in.read(buf)) > 0) {
            total += n;
            if (total > MAX_BYTES) {
                throw new IOException("catalog larger than " + (MAX_BYTES >> 20) + " MiB");
            }
            out.write(buf, 0, n);
        }
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
