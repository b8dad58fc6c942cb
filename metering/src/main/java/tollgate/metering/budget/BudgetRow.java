package tollgate.metering.budget;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.math.BigDecimal;
import org.jspecify.annotations.Nullable;

/**
 * One element of {@code GET /admin/budgets} (SPEC 9, 11): one scope member in one window — a key (then {@code key}
 * is its id), an end user, a tag value, a model or {@code global} ({@code scope} and {@code name} say which). Serializes with Jackson to the
 * documented field names; the token fields appear only for windows with a token limit.
 *
 * @param key the key id for a key's row, absent for the other scopes
 * @param scope {@code key}, {@code user}, {@code tag}, {@code model} or {@code global}
 * @param name the key id, user id, {@code tag=value}, priced model name; empty for {@code global}
 * @param window the window id: hourly, daily, weekly, monthly or total
 * @param limitUsd null when the window limits tokens only
 * @param resetsAt ISO-8601 instant; null for {@code total}
 */
@JsonPropertyOrder({"key", "scope", "name", "window", "limit_usd", "spent_usd", "reserved_usd", "remaining_usd", "resets_at",
        "limit_tokens", "spent_tokens", "reserved_tokens", "remaining_tokens"})
public record BudgetRow(
        @JsonProperty("key") @JsonInclude(JsonInclude.Include.NON_NULL) @Nullable String key,
        @JsonProperty("scope") String scope,
        @JsonProperty("name") String name,
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
