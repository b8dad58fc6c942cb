package tollgate.metering.budget;

import java.time.Instant;
import org.jspecify.annotations.Nullable;
import tollgate.config.BudgetWindow;

/**
 * One instance of a budget window: the daily window of 2026-11-22, say. Counters are kept per slot, so a window
 * that rolls over starts from zero without anything being reset.
 *
 * @param end when the slot ends (its reset time); null for {@code total}
 */
public record WindowSlot(BudgetWindow window, Instant start, @Nullable Instant end) {

    public WindowSlot {
        if (end != null && !end.isAfter(start)) {
            throw new IllegalArgumentException("end: " + end + " (expected: after start " + start + ")");
        }
    }

    /** The earliest start of {@code slots}; null when there are none. */
    public static @Nullable Instant earliestStart(Iterable<WindowSlot> slots) {
        Instant earliest = null;
        for (WindowSlot slot : slots) {
            earliest = earliest == null || slot.start().isBefore(earliest) ? slot.start() : earliest;
        }
        return earliest;
    }

    /** True once {@code now} is at or past the end of this slot. */
    public boolean endedBy(Instant now) {
        return end != null && !now.isBefore(end);
    }
}
