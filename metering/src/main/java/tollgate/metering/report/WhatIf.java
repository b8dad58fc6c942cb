package tollgate.metering.report;

import java.math.BigDecimal;
import java.nio.file.Path;
import java.util.List;
import org.jspecify.annotations.Nullable;
import tollgate.metering.pricing.PricedModel;
import tollgate.metering.pricing.PricingTable;

/**
 * What a report is asked to re-price: the period's calls at other models' prices ({@code --compare-models}), or
 * at another price table ({@code --pricing FILE}); every figure through {@link TieredUsage}, so through
 * {@link tollgate.metering.pricing.CostCalculator}, the one cost function.
 *
 * @param compareModels the models to price the period's calls at, as the price table in effect resolved them
 * @param pricing the table a pricing file gives (built-in prices with the file's on top); null when not asked
 * @param pricingFile where {@code pricing} came from, for the report to name
 */
public record WhatIf(List<PricedModel> compareModels, @Nullable PricingTable pricing, @Nullable Path pricingFile) {
    public static final WhatIf NONE = new WhatIf(List.of(), null, null);

    public WhatIf {
        compareModels = List.copyOf(compareModels);
    }

    boolean asked() {
        return !compareModels.isEmpty() || pricing != null;
    }

    /**
     * The answer.
     *
     * @param loggedCostUsd what the re-priced calls cost in the log
     * @param models one row per compared model, in the order asked
     * @param repriced the pricing file's answer; null when not asked
     */
    public record Result(long requests, long inputTokens, long cachedInputTokens, long outputTokens,
                         BigDecimal loggedCostUsd, List<Row> models, @Nullable Repriced repriced) {
        public Result {
            models = List.copyOf(models);
        }
    }

    /**
     * The period's calls at one set of prices.
     *
     * @param costUsd null when the log's sums cannot price the calls (see {@link Tally#above})
     * @param differenceUsd {@code cost − logged cost}: negative is a saving; null with {@code costUsd}
     */
    public record Row(String model, @Nullable BigDecimal costUsd, @Nullable BigDecimal differenceUsd, String detail) {
    }

    /**
     * The period's calls priced by a pricing file, model by model.
     *
     * @param models a row per model of the log: its logged priced name (or its own, when unpriced in the log)
     * @param unpricedRequests calls the file gives no price either
     */
    public record Repriced(String file, BigDecimal costUsd, BigDecimal differenceUsd, List<Row> models,
                           long unpricedRequests) {
        public Repriced {
            models = List.copyOf(models);
        }
    }
}
