package tollgate.metering.store;

import java.io.IOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.ZoneOffset;
import java.util.List;
import java.util.function.Consumer;
import tollgate.config.StoreConfig;
import tollgate.metering.budget.LedgerRebuild;
import tollgate.metering.budget.WindowSlot;

/**
 * Every replica's spend per budget window instance, from {@code log.store}'s rollups (issue 20): the in-process
 * budget store's rebuild at start-up counts the fleet's calls, not only this replica's. One query per window, the
 * rollups of its minutes summed per key, user, tags and priced model. Blocking: start-up.
 */
public final class PostgresSpend implements LedgerRebuild.FleetSpend {
    private static final String SELECT = """
            SELECT key, "user", tags::text, priced_as, sum(cost_usd), sum(total_tokens)
            FROM usage_rollups WHERE minute >= ? AND minute < ?
            GROUP BY key, "user", tags, priced_as
            """;

    /** The end of a {@code total} window, which has none. */
    private static final java.time.Instant NO_END = java.time.Instant.parse("9999-12-31T00:00:00Z");

    private final StoreConfig config;

    public PostgresSpend(StoreConfig config) {
        this.config = config;
    }

    /** @throws IOException naming {@code log.store} (without the password) when the database cannot be read */
    @Override
    public void forEach(List<WindowSlot> slots, Consumer<LedgerRebuild.CellSpend> sink) throws IOException {
        try (Connection c = PostgresStore.connect(config);
             PreparedStatement ps = c.prepareStatement(SELECT)) {
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
        } catch (SQLException e) {
            throw new IOException(StoreException.of(config, e).getMessage(), e);
        }
    }
}
