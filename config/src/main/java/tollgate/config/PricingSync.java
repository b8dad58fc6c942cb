package tollgate.config;

import java.net.URI;
import java.time.Duration;
import java.util.Set;

/**
 * {@code pricing.sync}: a public price catalog fetched on a schedule and applied like a reload, under
 * {@code pricing.file}'s entries (SPEC 12).
 *
 * @param format {@code litellm} or {@code genai-prices}
 * @param every how often; at least a minute
 */
public record PricingSync(URI url, String format, Duration every) {
    public static final Set<String> FORMATS = Set.of("litellm", "genai-prices");
    public static final Duration DEFAULT_EVERY = Duration.ofHours(24);

    public PricingSync {
        String scheme = url.getScheme();
        if (scheme == null || !(scheme.equals("https") || scheme.equals("http")) || url.getHost() == null) {
            throw new IllegalArgumentException("pricing.sync.url: '" + Redact.url(url) + "' (expected: an http or https URL)");
        }
        if (!FORMATS.contains(format)) {
            throw new IllegalArgumentException("pricing.sync.format: '" + format + "' (expected: litellm or genai-prices)");
        }
        if (every.compareTo(Duration.ofMinutes(1)) < 0) {
            throw new IllegalArgumentException("pricing.sync.every: " + every + " (expected: at least 1m)");
        }
    }
}
