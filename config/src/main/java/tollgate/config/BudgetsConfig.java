package tollgate.config;

import java.net.URI;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Budget enforcement settings (SPEC 7).
 *
 * @param redisUri null for the in-process store ({@code store: local})
 */
public record BudgetsConfig(
        BudgetMode mode,
        ZoneId timezone,
        @Nullable URI redisUri,
        StoreFailurePolicy onStoreFailure,
        List<BudgetLimit> defaults,
        UnpricedPolicy unpriced) {

    public static final BudgetsConfig DEFAULT =
            new BudgetsConfig(BudgetMode.RESERVE, ZoneOffset.UTC, null, StoreFailurePolicy.ALLOW, List.of());

    public BudgetsConfig {
        defaults = List.copyOf(defaults);
    }

    public BudgetsConfig(BudgetMode mode, ZoneId timezone, @Nullable URI redisUri, StoreFailurePolicy onStoreFailure,
                         List<BudgetLimit> defaults) {
        this(mode, timezone, redisUri, onStoreFailure, defaults, UnpricedPolicy.DENY);
    }
}
