package tollgate.metering.budget;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.math.BigDecimal;
import org.jspecify.annotations.Nullable;

/**
 * One element of {@code GET /admin/budgets} (SPEC 9): one key in one window. Serializes with Jackson to the
 * documented field names; the token fields appear only for windows with a token limit.
 *
 * @param window the window id: hourly, daily, weekly, monthly or total
 * @param limitUsd null when the window limits tokens only
 * @param resetsAt ISO-8601 instant; null for {@code total}
 */
@JsonPropertyOrder({"key", "window", "limit_usd", "spent_usd", "reserved_usd", "remaining_usd", "resets_at",
        "limit_tokens", "spent_tokens", "reserved_tokens", "remaining_tokens"})
public record BudgetRow(
        @JsonProperty("key") String key,
        @JsonProperty("window") String window,
        @JsonProperty("limit_usd") @Nullable BigDecimal limitUsd,
        @JsonProperty("spent_usd") BigDecimal spentUsd,
        @JsonProperty("reserved_usd") BigDecimal reservedUsd,
        @JsonProperty("remaining_usd") @Nullable BigDecimal remainingUsd,
        @JsonProperty("resets_at") @Nullable String resetsAt,
        @JsonProperty("limit_tokens") @JsonInclude(JsonInclude.Include.NON_NULL) @Nullable Long limitTokens,
        @JsonProperty("spent_tokens") @JsonInclude(JsonInclude.Include.NON_NULL) @Nullable Long spentTokens,
        @JsonProperty("reserved_tokens") @JsonInclude(JsonInclude.Include.NON_NULL) @Nullable Long reservedTokens,
        @JsonProperty("remaining_tokens") @JsonInclude(JsonInclude.Include.NON_NULL) @Nullable Long remainingTokens) {
}
