package tollgate.metering.pricing;

import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * The names of service tiers as price tables key them. A response's {@code service_tier} is {@code default} (or
 * {@code auto}, echoed from a request) at standard prices; OpenAI renamed Priority processing "Fast mode" on
 * 2026-07-30 and accepts both {@code priority} and {@code fast} (developers.openai.com, guides/fast-mode), so
 * both price as {@code priority}.
 */
public final class ServiceTiers {
    public static final String PRIORITY = "priority";
    public static final String BATCH = "batch";
    /** A tier name longer than this is no tier any API sends: it is kept cut, and never priced. */
    public static final int MAX_CHARS = 32;

    private ServiceTiers() {
    }

    /** The table key of a response's {@code service_tier}; null for the standard tier (absent, default, auto, standard). */
    public static @Nullable String key(@Nullable String serviceTier) {
        if (serviceTier == null) {
            return null;
        }
        String t = serviceTier.strip().toLowerCase(Locale.ROOT);
        return switch (t) {
            case "", "default", "auto", "standard" -> null;
            case "fast" -> PRIORITY;
            default -> t;
        };
    }
}
