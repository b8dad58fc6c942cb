package tollgate.metering.budget;

import java.time.DayOfWeek;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.time.temporal.TemporalAdjusters;
import org.jspecify.annotations.Nullable;
import tollgate.config.BudgetWindow;

/**
 * Calendar-aligned budget windows in a time zone: hours, days, ISO weeks from Monday, months, and the total that
 * never resets (SPEC 7).
 *
 * <p>Days, weeks and months start at the local start of day ({@link LocalDate#atStartOfDay(ZoneId)}), so a DST day
 * lasts 23 or 25 hours and a zone that skips midnight starts its day at the first valid instant. Hours are local
 * hours resolved on the instant time-line, so the repeated hour of a DST fall-back is two windows.
 */
public final class BudgetWindows {

    private BudgetWindows() {
    }

    /** The first instant of the window instance that contains {@code now}; the epoch for {@code total}. */
    public static Instant start(BudgetWindow window, Instant now, ZoneId zone) {
        ZonedDateTime local = now.atZone(zone);
        LocalDate date = local.toLocalDate();
        switch (window) {
            case HOURLY:
                return local.truncatedTo(ChronoUnit.HOURS).toInstant();
            case DAILY:
                return date.atStartOfDay(zone).toInstant();
            case WEEKLY:
                return date.with(TemporalAdjusters.previousOrSame(DayOfWeek.MONDAY)).atStartOfDay(zone).toInstant();
            case MONTHLY:
                return date.withDayOfMonth(1).atStartOfDay(zone).toInstant();
            case TOTAL:
                return Instant.EPOCH;
            default:
                throw new IllegalArgumentException("window: " + window);
        }
    }

    /** When the window instance that contains {@code now} ends and the next begins; null for {@code total}. */
    public static @Nullable Instant resetsAt(BudgetWindow window, Instant now, ZoneId zone) {
        ZonedDateTime local = now.atZone(zone);
        LocalDate date = local.toLocalDate();
        switch (window) {
            case HOURLY:
                // plusHours works on the instant time-line: 01:00 EDT + 1 h is 01:00 EST on a fall-back night
                return local.truncatedTo(ChronoUnit.HOURS).plusHours(1).toInstant();
            case DAILY:
                return date.plusDays(1).atStartOfDay(zone).toInstant();
            case WEEKLY:
                return date.with(TemporalAdjusters.next(DayOfWeek.MONDAY)).atStartOfDay(zone).toInstant();
            case MONTHLY:
                return date.withDayOfMonth(1).plusMonths(1).atStartOfDay(zone).toInstant();
            case TOTAL:
                return null;
            default:
                throw new IllegalArgumentException("window: " + window);
        }
    }

    /** The window instance that contains {@code now}. */
    public static WindowSlot slot(BudgetWindow window, Instant now, ZoneId zone) {
        // every budgeted call asks for the slot of each of its windows: the zone arithmetic is done once per slot
        WindowSlot[] last = LAST.get(zone);
        if (last == null) {
            if (LAST.size() >= MAX_ZONES) {
                LAST.clear();
            }
            last = LAST.computeIfAbsent(zone, z -> new WindowSlot[BudgetWindow.values().length]);
        }
        // a racy read is safe: a WindowSlot is immutable (final fields), and a stale one is only recomputed
        WindowSlot s = last[window.ordinal()];
        if (s != null && !now.isBefore(s.start()) && !s.endedBy(now)) {
            return s;
        }
        s = new WindowSlot(window, start(window, now, zone), resetsAt(window, now, zone));
        last[window.ordinal()] = s;
        return s;
    }

    private static final int MAX_ZONES = 16;
    /** The slot each window of a zone last answered. */
    private static final java.util.concurrent.ConcurrentHashMap<ZoneId, WindowSlot[]> LAST =
            new java.util.concurrent.ConcurrentHashMap<>();
}
