package tollgate.metering.report;

import java.math.BigDecimal;
import org.jspecify.annotations.Nullable;
import tollgate.metering.log.UsageRecord;
import tollgate.metering.pricing.CostCalculator;
import tollgate.metering.pricing.PricedModel;
import tollgate.metering.pricing.PricingTable;
import tollgate.metering.usage.UnitCounts;
import tollgate.metering.usage.Usage;

/**
 * What a call's input and its output cost, for the dashboard's latest calls: the log keeps one {@code cost_usd}, so
 * the split is priced again by {@link CostCalculator} (the one cost function) at the call's priced model and service
 * tier, from the token counts the log keeps. Input: the call's input tokens (cached and cache writes at their
 * prices) with no output; output: the whole call's token cost less that. Per-call fees, web searches, images and
 * minutes are in neither (they are in {@code cost_usd}); a cost the provider reported (SPEC 13) may differ.
 */
public final class CallCostSplit {
    /** The two parts, exact. */
    public record Split(BigDecimal inputUsd, BigDecimal outputUsd) {
    }

    private CallCostSplit() {
    }

    /** Null for an unpriced call, or one whose priced model the table no longer has. */
    public static @Nullable Split of(UsageRecord r, PricingTable table) {
        if (r.costUsd() == null) {
            return null;
        }
        @Nullable PricedModel m = table.resolve(r.pricedAs() != null ? r.pricedAs() : r.model());
        if (m == null) {
            return null;
        }
        UnitCounts n = r.units().counts();
        Usage call = new Usage(r.inputTokens(), r.cachedInputTokens(), r.outputTokens(), r.reasoningTokens(),
                n.cacheWriteTokens(), n.audioInputTokens(), n.audioOutputTokens(), 0, n.imageOutputTokens());
        Usage input = new Usage(r.inputTokens(), r.cachedInputTokens(), 0, 0, n.cacheWriteTokens(),
                n.audioInputTokens(), 0, 0, 0);
        String tier = r.units().serviceTier();
        BigDecimal in = CostCalculator.cost(m.price(), input, tier);
        BigDecimal out = CostCalculator.cost(m.price(), call, tier).subtract(in);
        return new Split(Amounts.plain(in), Amounts.plain(out));
    }

    /**
     * The record's log line with {@code input_cost_usd} and {@code output_cost_usd} added (null without a split),
     * as {@code /admin/usage/recent} and {@code /admin/usage/stream} serve it.
     */
    public static String line(UsageRecord r, String line, PricingTable table) {
        @Nullable Split s = of(r, table);
        int end = line.lastIndexOf('}');
        return line.substring(0, end) + ",\"input_cost_usd\":" + (s == null ? "null" : s.inputUsd().toPlainString())
                + ",\"output_cost_usd\":" + (s == null ? "null" : s.outputUsd().toPlainString()) + line.substring(end);
    }
}
