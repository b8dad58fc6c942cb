package tollgate.metering.report;

import java.time.LocalDate;
import org.jspecify.annotations.Nullable;

/** Per-day aggregate cells a report is computed from: the usage log read once, or the live aggregates. */
public interface CellSource {

    /** Visits every cell of every day in the inclusive range; the tally passed is the visitor's to keep. */
    void forEachCell(LocalDate from, LocalDate to, CellVisitor visitor);

    /**
     * {@link #forEachCell(LocalDate, LocalDate, CellVisitor)} of one key's cells when {@code key} is not null (a
     * source that can, such as a database, reads no other key's); at least those cells, in day order.
     */
    default void forEachCell(LocalDate from, LocalDate to, @Nullable String key, CellVisitor visitor) {
        forEachCell(from, to, visitor);
    }

    /** Log lines dated in the range that could not be read as a usage record. */
    long skippedLines(LocalDate from, LocalDate to);

    /** Receives one cell. */
    @FunctionalInterface
    interface CellVisitor {
        void visit(LocalDate day, CellKey key, Tally tally);
    }
}
