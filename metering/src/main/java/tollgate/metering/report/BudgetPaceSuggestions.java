package tollgate.metering.report;

import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.jspecify.annotations.Nullable;
import tollgate.metering.report.StatsReport.Suggestion;

/**
 * Keys whose spend, at its pace so far in the window, passes the budget before the window resets:
 * {@code projected = spent + spent / elapsed × remaining}.
 */
final class BudgetPaceSuggestions {
    /** Too early in a window the pace says little: wait for 1/24 of it (an hour of a day). */
    static final int MIN_ELAPSED_PARTS = 24;
    private static final BigDecimal SECONDS_PER_HOUR = BigDecimal.valueOf(3600);
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mmXXX");

    private BudgetPaceSuggestions() {
    }

    static List<Suggestion> find(StatsFilter filter, StatsContext context) {
        List<Suggestion> out = new ArrayList<>();
        Instant now = context.clock().instant();
        for (BudgetStatus b : context.budgets()) {
            if (filter.key() != null && !filter.key().equals(b.key())) {
                continue;
            }
            Suggestion s = pace(b, now);
            if (s != null) {
                out.add(s);
            }
        }
        return out;
    }

    private static @Nullable Suggestion pace(BudgetStatus b, Instant now) {
        @Nullable ZonedDateTime start = b.windowStart();
        @Nullable ZonedDateTime reset = b.resetsAt();
        if (start == null || reset == null || b.spentUsd().compareTo(b.limitUsd()) >= 0
                || b.spentUsd().signum() <= 0 || !now.isBefore(reset.toInstant())) {
            return null;
        }
        long elapsed = Duration.between(start.toInstant(), now).toSeconds();
        long length = Duration.between(start.toInstant(), reset.toInstant()).toSeconds();
        long remaining = Duration.between(now, reset.toInstant()).toSeconds();
        if (elapsed <= 0 || elapsed * MIN_ELAPSED_PARTS < length) {
            return null;
        }
        BigDecimal perSecond = b.spentUsd().divide(BigDecimal.valueOf(elapsed), MathContext.DECIMAL64);
        BigDecimal projected = b.spentUsd().add(perSecond.multiply(BigDecimal.valueOf(remaining)))
                .setScale(6, RoundingMode.HALF_EVEN);
        if (projected.compareTo(b.limitUsd()) <= 0) {
            return null;
        }
        long toLimit = b.limitUsd().subtract(b.spentUsd()).divide(perSecond, 0, RoundingMode.CEILING).longValueExact();
        ZonedDateTime crossing = now.plusSeconds(toLimit).atZone(reset.getZone());
        BigDecimal perHour = perSecond.multiply(SECONDS_PER_HOUR).setScale(6, RoundingMode.HALF_EVEN);
        String window = b.window().id();
        String detail = b.key() + " " + window + ": " + Amounts.usd(b.spentUsd()) + " of " + Amounts.usd(b.limitUsd())
                + " spent in " + hours(elapsed) + " since " + TIME.format(start) + "; at that pace ("
                + Amounts.usd(Amounts.plain(perHour)) + "/h) it reaches " + Amounts.usd(Amounts.plain(projected))
                + " by the reset at " + TIME.format(reset) + " (" + Amounts.usd(b.spentUsd()) + " + "
                + Amounts.usd(Amounts.plain(perHour)) + "/h × " + hours(remaining) + ") and passes "
                + Amounts.usd(b.limitUsd()) + " around " + TIME.format(crossing) + ".";
        return new Suggestion("budget_pace", b.key() + " is on course to pass its " + window + " budget",
                detail, null, "Raise the " + window + " limit if this spend is expected, or find what drives it"
                        + " (tollgate stats --key " + b.key() + " --by model --days 1).");
    }

    private static String hours(long seconds) {
        return (seconds / 3600) + "h " + String.format(Locale.ROOT, "%02d", (seconds % 3600) / 60) + "m";
    }
}
