package tollgate.metering.report;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import tollgate.metering.pricing.ModelPrice;
import tollgate.metering.pricing.PricedModel;
import tollgate.metering.pricing.PricingTable;
import tollgate.metering.report.WhatIf.Repriced;
import tollgate.metering.report.WhatIf.Result;
import tollgate.metering.report.WhatIf.Row;

/**
 * Answers a {@link WhatIf} from the accumulated calls. Compared models re-price the calls that had a price in the
 * log (a call without one has no logged cost to compare with); a pricing file re-prices every call whose model it
 * prices, the unpriced ones included, each at its own model's new price.
 */
final class WhatIfPricing {
    private WhatIfPricing() {
    }

    static @Nullable Result answer(StatsAccumulator acc, WhatIf asked) {
        if (!asked.asked()) {
            return null;
        }
        Tally priced = new Tally();
        acc.byPricedAs.values().forEach(priced::add);
        BigDecimal logged = Amounts.plain(priced.costUsd());
        List<Row> rows = new ArrayList<>();
        for (PricedModel m : asked.compareModels()) {
            rows.add(row(m.name(), priced, m.price(), logged));
        }
        Repriced repriced = asked.pricing() == null ? null
                : repriced(acc, asked.pricing(), String.valueOf(asked.pricingFile()));
        return new Result(priced.requests(), priced.inputTokens(), priced.cachedInputTokens(), priced.outputTokens(),
                logged, rows, repriced);
    }

    private static Row row(String model, Tally calls, ModelPrice p, BigDecimal logged) {
        @Nullable TieredUsage usage = TieredUsage.of(calls, p);
        if (usage == null) {
            return new Row(model, null, null, "the log's sums cannot tell which calls are over " + model
                    + "'s long-context threshold; filter to fewer calls (--model, --key) to price them");
        }
        BigDecimal cost = Amounts.plain(usage.cost(p));
        BigDecimal diff = Amounts.plain(cost.subtract(logged));
        return new Row(model, cost, diff, Amounts.calls(calls.requests()) + " at " + model + "'s prices per 1M tokens: "
                + usage.arithmetic(p) + " = " + Amounts.usd(cost) + " (logged " + Amounts.usd(logged) + ")");
    }

    private static Repriced repriced(StatsAccumulator acc, PricingTable table, String file) {
        List<Row> rows = new ArrayList<>();
        BigDecimal total = BigDecimal.ZERO;
        BigDecimal logged = BigDecimal.ZERO;
        long unpriced = 0;
        for (Map.Entry<String, Tally> e : acc.byModelForRepricing().entrySet()) {
            Tally t = e.getValue();
            @Nullable PricedModel m = table.resolve(e.getKey());
            if (m == null) {
                unpriced += t.requests();
                continue;
            }
            Row r = row(e.getKey(), t, m.price(), Amounts.plain(t.costUsd()));
            rows.add(r);
            if (r.costUsd() == null) {
                unpriced += t.requests();
            } else {
                total = total.add(r.costUsd());
                logged = logged.add(t.costUsd());
            }
        }
        total = Amounts.plain(total);
        return new Repriced(file, total, Amounts.plain(total.subtract(logged)), rows, unpriced);
    }
}
