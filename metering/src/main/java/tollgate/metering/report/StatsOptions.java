package tollgate.metering.report;

import java.math.BigDecimal;
import java.nio.file.Path;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The {@code tollgate stats} options as the command line gave them (SPEC 8); values are checked by
 * {@link StatsCommandRunner}, which answers a bad one with exit code 2.
 *
 * @param days the last N days, today included
 * @param since a date {@code YYYY-MM-DD}; {@code until} defaults to today
 * @param by each {@code --by}: {@code key|model|endpoint|user|tag:NAME} (commas also split)
 * @param tags each {@code --tag NAME=VALUE}
 * @param format {@code table|json|yaml|csv}; null: from {@code export}'s extension, else table
 * @param export write the report to this file instead of standard output
 * @param failAboveUsd exit 3 when the total cost is above it
 * @param minSavingsUsd hide suggestions saving less over the period; null: {@link StatsQuery#DEFAULT_MIN_SAVINGS_USD}
 * @param compareModels re-price the period's tokens at each of these models' prices
 * @param pricingFile re-price the period's tokens with this pricing file
 * @param warnings add the unusual-pattern warnings
 */
public record StatsOptions(Path logDir, @Nullable Integer days, @Nullable String since, @Nullable String until,
                           @Nullable String period, List<String> by, @Nullable String key, @Nullable String model,
                           @Nullable String user, List<String> tags, @Nullable String format, @Nullable Path export,
                           boolean suggestions, @Nullable BigDecimal failAboveUsd, @Nullable BigDecimal minSavingsUsd,
                           List<String> compareModels, @Nullable Path pricingFile, boolean warnings) {
    public StatsOptions {
        by = List.copyOf(by);
        tags = List.copyOf(tags);
        compareModels = List.copyOf(compareModels);
    }

    /** The options of SPEC 8's first flags; what-if, warnings and the savings floor at their defaults. */
    public StatsOptions(Path logDir, @Nullable Integer days, @Nullable String since, @Nullable String until,
                        @Nullable String period, List<String> by, @Nullable String key, @Nullable String model,
                        @Nullable String user, List<String> tags, @Nullable String format, @Nullable Path export,
                        boolean suggestions, @Nullable BigDecimal failAboveUsd) {
        this(logDir, days, since, until, period, by, key, model, user, tags, format, export, suggestions, failAboveUsd,
                null, List.of(), null, false);
    }

    /** The defaults: last 30 days of {@code logDir}, by day, as a table. */
    public static StatsOptions of(Path logDir) {
        return new StatsOptions(logDir, null, null, null, null, List.of(), null, null, null, List.of(), null, null,
                false, null);
    }

    public StatsOptions withMinSavings(@Nullable BigDecimal usd) {
        return new StatsOptions(logDir, days, since, until, period, by, key, model, user, tags, format, export,
                suggestions, failAboveUsd, usd, compareModels, pricingFile, warnings);
    }

    public StatsOptions withWhatIf(List<String> models, @Nullable Path pricing) {
        return new StatsOptions(logDir, days, since, until, period, by, key, model, user, tags, format, export,
                suggestions, failAboveUsd, minSavingsUsd, models, pricing, warnings);
    }

    public StatsOptions withWarnings(boolean on) {
        return new StatsOptions(logDir, days, since, until, period, by, key, model, user, tags, format, export,
                suggestions, failAboveUsd, minSavingsUsd, compareModels, pricingFile, on);
    }
}
