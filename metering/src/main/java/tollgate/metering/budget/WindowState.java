package tollgate.metering.budget;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.ZoneId;
import org.jspecify.annotations.Nullable;
import tollgate.config.BudgetLimit;
import tollgate.config.BudgetWindow;

/** One key's limit in one window next to what the store counted there: what gauges, rows and refusals show. */
public record WindowState(BudgetLimit limit, WindowCounter counter) {

    public WindowState {
        if (limit.window() != counter.slot().window()) {
            throw new IllegalArgumentException("counter: " + counter.slot().window().id() + " (expected: "
                    + limit.window().id() + ", the limit's window)");
        }
    }

    public BudgetWindow window() {
        return limit.window();
    }

    public WindowSlot slot() {
        return counter.slot();
    }

    /** Null for {@code total}. */
    public @Nullable Instant resetsAt() {
        return counter.slot().end();
    }

    public @Nullable BigDecimal limitUsd() {
        return limit.usd();
    }

    public BigDecimal spentUsd() {
        return counter.spentUsd();
    }

    public BigDecimal reservedUsd() {
        return counter.reservedUsd();
    }

    /** Limit minus spent minus reserved, never below zero; null when the window has no USD limit. */
    public @Nullable BigDecimal remainingUsd() {
        BigDecimal usd = limit.usd();
        if (usd == null) {
            return null;
        }
        long used = counter.usedUnits();
        return used != Money.NO_UNITS ? remainingUsd(usd, used)
                : atLeastZero(usd.subtract(counter.spentUsd()).subtract(counter.reservedUsd()));
    }

    /** {@link #remainingUsd()} of a window whose spent plus reserved is {@code usedUnits} pico-USD. */
    static BigDecimal remainingUsd(BigDecimal limitUsd, long usedUnits) {
        return atLeastZero(limitUsd.subtract(Money.fromUnits(usedUnits)));
    }

    private static BigDecimal atLeastZero(BigDecimal usd) {
        return usd.signum() < 0 ? BigDecimal.ZERO : usd;
    }

    /** Limit minus spent minus reserved tokens, never below zero; null when the window has no token limit. */
    public @Nullable Long remainingTokens() {
        Long tokens = limit.tokens();
        if (tokens == null) {
            return null;
        }
        return Math.max(0, tokens - counter.spentTokens() - counter.reservedTokens());
    }

    /**
     * Whether a call may go ahead in this window. A hold (mode {@code reserve}) fits while spent + reserved + worst
     * case stays within the limit; a plain check (mode {@code after}) passes while spent is below the limit.
     */
    public boolean admits(BigDecimal usd, long tokens, boolean hold) {
        return !usdBlocks(usd, hold) && !tokensBlock(tokens, hold);
    }

    /** True when the USD limit refuses the call. */
    public boolean usdBlocks(BigDecimal usd, boolean hold) {
        return usdBlocks(limit.usd(), counter.spentUsd(), counter.reservedUsd(), usd, hold);
    }

    /** True when the token limit refuses the call. */
    public boolean tokensBlock(long tokens, boolean hold) {
        return tokensBlock(limit.tokens(), counter.spentTokens(), counter.reservedTokens(), tokens, hold);
    }

    /** {@link #admits} of counters a store reads in place (without a state or counter built for the check). */
    static boolean admits(BudgetLimit limit, BigDecimal spentUsd, BigDecimal reservedUsd, long spentTokens,
            long reservedTokens, BigDecimal usd, long tokens, boolean hold) {
        return !usdBlocks(limit.usd(), spentUsd, reservedUsd, usd, hold)
                && !tokensBlock(limit.tokens(), spentTokens, reservedTokens, tokens, hold);
    }

    private static boolean usdBlocks(@Nullable BigDecimal max, BigDecimal spent, BigDecimal reserved, BigDecimal usd,
            boolean hold) {
        if (max == null) {
            return false;
        }
        return hold ? spent.add(reserved).add(usd).compareTo(max) > 0 : spent.compareTo(max) >= 0;
    }

    static boolean tokensBlock(@Nullable Long max, long spent, long reserved, long tokens, boolean hold) {
        if (max == null) {
            return false;
        }
        return hold ? spent + reserved + tokens > max : spent >= max;
    }

    /** True when the worst case alone is more than the whole limit: waiting for a reset would not help. */
    public boolean neverFits(BigDecimal usd, long tokens) {
        BigDecimal maxUsd = limit.usd();
        Long maxTokens = limit.tokens();
        return (maxUsd != null && usd.compareTo(maxUsd) > 0) || (maxTokens != null && tokens > maxTokens);
    }

    /** The same limit with this slot's counters zeroed, as it reads once its window has rolled over. */
    public WindowState rolledOver(Instant now, ZoneId zone) {
        return new WindowState(limit, WindowCounter.empty(BudgetWindows.slot(limit.window(), now, zone)));
    }

    /** This state as a row of {@code GET /admin/budgets}. */
    public BudgetRow toRow(BudgetScope scope) {
        Long limitTokens = limit.tokens();
        Instant resetsAt = resetsAt();
        BigDecimal remaining = remainingUsd();
        BigDecimal limitUsd = limit.usd();
        return new BudgetRow(scope.kind() == BudgetScope.Kind.KEY ? scope.name() : null, scope.kind().id(),
                scope.name(), window().id(), limitUsd == null ? null : Money.plain(limitUsd),
                Money.plain(spentUsd()), Money.plain(reservedUsd()),
                remaining == null ? null : Money.plain(remaining),
                resetsAt == null ? null : resetsAt.toString(),
                limitTokens, limitTokens == null ? null : counter.spentTokens(),
                limitTokens == null ? null : counter.reservedTokens(), remainingTokens());
    }
}
