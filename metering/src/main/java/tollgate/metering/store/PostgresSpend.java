package tollgate.metering.store;

import java.io.IOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.function.Consumer;
import tollgate.config.StoreConfig;
import tollgate.metering.budget.LedgerRebuild;
import tollgate.metering.budget.WindowSlot;

/**
 * Every replica's spend per budget window instance, from {@code log.store}'s rollups (issue 20): the in-process
 * budget store's rebuild at start-up counts the fleet's calls, not only this replica's. One query per window, the
 * rollups of its minutes summed per key, user, tags and priced model, and where this replica's stored lines end, all
 * in one repeatable-read transaction (one snapshot), so the rebuild adds exactly the replica's lines after that
 * point. Blocking: start-up.
 */
public final class PostgresSpend implements LedgerRebuild.FleetSpend {
    private static final String SELECT = """
            SELECT key, "user", tags::text, priced_as, sum(cost_usd), sum(total_tokens)
            FROM usage_rollups WHERE minute >= ? AND minute < ?
            GROUP BY key, "user", tags, priced_as
            """;

    /** The end of a {@code total} window, which has none. */
    private static final java.time.Instant NO_END = java.time.Instant.parse("9999-12-31T00:00:00Z");

    /** This replica's last stored line: the newest day it has rows on, then the largest place in that day. */
    private static final String LAST_DAY = "SELECT max(day) FROM usage_records WHERE replica = ? AND day >= ?";
    private static final String LAST_OFFSET =
            "SELECT max(spool_offset) FROM usage_records WHERE day = ? AND replica = ? AND spool_offset IS NOT NULL";

    private final StoreConfig config;
    private final Path logDir;

    /** @param logDir this replica's usage-log folder (its name in the store is kept there) */
    public PostgresSpend(StoreConfig config, Path logDir) {
        this.config = config;
        this.logDir = logDir;
    }

    /** @throws IOException naming {@code log.store} (without the password) when the database cannot be read */
    @Override
    public LedgerRebuild.Shipped forEach(List<WindowSlot> slots, Consumer<LedgerRebuild.CellSpend> sink)
            throws IOException {
        String replica = ShipCheckpoint.existingReplica(logDir);
        try (Connection c = PostgresStore.connect(config)) {
            c.setAutoCommit(false);
            c.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
            try {
                LedgerRebuild.Shipped shipped = replica == null ? LedgerRebuild.Shipped.NONE : shipped(c, replica, slots);
                try (PreparedStatement ps = c.prepareStatement(SELECT)) {
                    for (WindowSlot slot : slots) {
                        ps.setObject(1, slot.start().atOffset(ZoneOffset.UTC));
                        ps.setObject(2, (slot.end() == null ? NO_END : slot.end()).atOffset(ZoneOffset.UTC));
                        try (ResultSet rs = ps.executeQuery()) {
                            while (rs.next()) {
                                sink.accept(new LedgerRebuild.CellSpend(slot, rs.getString(1), rs.getString(2),
                                        Json.strings(rs.getString(3), "usage_rollups.tags"), rs.getString(4),
                                        rs.getBigDecimal(5), rs.getLong(6)));
                            }
                        }
                    }
                }
                return shipped;
            } finally {
                c.rollback();
            }
        } catch (SQLException e) {
            throw new IOException(StoreException.of(config, e).getMessage(), e);
        }
    }

    /** Where this replica's stored lines end, from the first day of the oldest window on. */
    private static LedgerRebuild.Shipped shipped(Connection c, String replica, List<WindowSlot> slots)
            throws SQLException {
        java.time.Instant earliest = WindowSlot.earliestStart(slots);
        if (earliest == null) {
            return LedgerRebuild.Shipped.NONE;
        }
        LocalDate day;
        try (PreparedStatement ps = c.prepareStatement(LAST_DAY)) {
            ps.setString(1, replica);
            // a day early: a call of the window's first minutes may sit at the end of the previous UTC day's file
            ps.setObject(2, LocalDate.ofInstant(earliest, ZoneOffset.UTC).minusDays(1));
            try (ResultSet rs = ps.executeQuery()) {
                day = rs.next() ? rs.getObject(1, LocalDate.class) : null;
            }
        }
        if (day == null) {
            return LedgerRebuild.Shipped.NONE;
        }
        try (PreparedStatement ps = c.prepareStatement(LAST_OFFSET)) {
            ps.setObject(1, day);
            ps.setString(2, replica);
            try (ResultSet rs = ps.executeQuery()) {
                Long offset = rs.next() ? rs.getObject(1, Long.class) : null;
                // rows of that day stored before spool_offset existed (migration 3) say nothing of the place
                return offset == null ? LedgerRebuild.Shipped.NONE : new LedgerRebuild.Shipped(day, offset);
            }
        }
    }
}
