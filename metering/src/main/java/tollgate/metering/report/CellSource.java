package tollgate.metering.report;

import java.time.LocalDate;

/** Per-day aggregate cells a report is computed from: the usage log read once, or the live aggregates. */
public interface CellSource {

    /** Visits every cell of every day in the inclusive range; the tally passed is the visitor's to keep. */
    void forEachCell(LocalDate from, LocalDate to, CellVisitor visitor);

    /** Log lines dated in the range that could not be read as a usage record. */
    long skippedLines(LocalDate from, LocalDate to);

    /** Receives one cell. */
    @FunctionalInterface
    interface CellVisitor {
        void visit(LocalDate day, CellKey key, Tally tally);
    }
}
