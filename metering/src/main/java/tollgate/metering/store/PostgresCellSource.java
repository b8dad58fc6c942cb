package tollgate.metering.store;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.LocalDate;
import java.time.ZoneOffset;
import org.jspecify.annotations.Nullable;
import tollgate.config.StoreConfig;
import tollgate.metering.report.CellKey;
import tollgate.metering.report.CellSource;
import tollgate.metering.report.Tally;
import tollgate.metering.report.TallyState;
import tollgate.metering.usage.UnitCounts;

/**
 * The fleet's cells, read from {@code log.store}'s rollups (issue 20): each row is a {@link Tally} of one minute and
 * cell, summed here per UTC day, so a report computed from this source is the report of every replica's log added
 * up, by the one computation. Blocking: a command or an executor, never an event loop. Lines a replica could not read
 * never reach the database, so {@link #skippedLines} is 0.
 */
public final class PostgresCellSource implements CellSource {
    /** A day's minutes of one cell summed in the database: the rows read are days × cells, whatever the traffic. */
    private static final String SELECT = """
            SELECT (minute AT TIME ZONE 'UTC')::date AS day, key, endpoint, model, priced_as, "user", tags::text, error,
              provider, sum(requests), sum(input_tokens), sum(cached_input_tokens), sum(output_tokens),
              sum(reasoning_tokens), sum(total_tokens), sum(cost_usd), sum(estimated_requests), sum(estimated_cost_usd),
              sum(unpriced_requests), sum(cacheable_prompt_requests), sum(cacheable_prompt_input_tokens),
              sum(cacheable_prompt_cached_tokens), sum(cache_write_tokens), sum(cache_write_1h_tokens),
              sum(audio_input_tokens), sum(audio_output_tokens), sum(image_output_tokens), sum(web_search_calls),
              sum(images), sum(audio_seconds), sum(characters), min(min_input_tokens), max(max_input_tokens),
              tollgate_array_sum(above_edges), tollgate_array_sum(durations), sum(duration_calls), min(first_ms),
              max(last_ms)
            FROM usage_rollups WHERE minute >= ? AND minute < ? AND (?::text IS NULL OR key = ?)
            GROUP BY 1, key, endpoint, model, priced_as, "user", tags, error, provider
            ORDER BY 1
            """;

    private final StoreConfig config;

    public PostgresCellSource(StoreConfig config) {
        this.config = config;
    }

    /**
     * @throws UncheckedIOException naming {@code log.store} (without the password) when the database cannot be read
     */
    @Override
    public void forEachCell(LocalDate from, LocalDate to, CellVisitor visitor) {
        forEachCell(from, to, null, visitor);
    }

    /**
     * Each row is one day's cell (the query sums its minutes), in day order: visited as it arrives, so what this
     * holds does not grow with the range, the fleet's users or its keys; with {@code key}, the database reads that
     * key's rows alone (a key's own usage, {@code /tollgate/v1/usage}, reads no other key's cells).
     */
    @Override
    public void forEachCell(LocalDate from, LocalDate to, @Nullable String key, CellVisitor visitor) {
        try (Connection c = PostgresStore.connect(config)) {
            // a cursor, not the whole range in memory at once on the driver's side
            c.setAutoCommit(false);
            try (PreparedStatement ps = c.prepareStatement(SELECT)) {
                ps.setFetchSize(1_000);
                ps.setObject(1, from.atStartOfDay().atOffset(ZoneOffset.UTC));
                ps.setObject(2, to.plusDays(1).atStartOfDay().atOffset(ZoneOffset.UTC));
                ps.setString(3, key);
                ps.setString(4, key);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        LocalDate day = rs.getObject(1, LocalDate.class);
                        CellKey cell = new CellKey(rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5),
                                rs.getString(6), Json.strings(rs.getString(7), "usage_rollups.tags"), rs.getString(8),
                                rs.getString(9));
                        visitor.visit(day, cell, tally(rs));
                    }
                }
            }
            c.commit();
        } catch (SQLException e) {
            throw new UncheckedIOException(StoreException.of(config, e).getMessage(), new IOException(e));
        }
    }

    @Override
    public long skippedLines(LocalDate from, LocalDate to) {
        return 0;
    }

    private static Tally tally(ResultSet rs) throws SQLException {
        int i = 10;
        long requests = rs.getLong(i++);
        long input = rs.getLong(i++);
        long cached = rs.getLong(i++);
        long output = rs.getLong(i++);
        long reasoning = rs.getLong(i++);
        long total = rs.getLong(i++);
        java.math.BigDecimal cost = rs.getBigDecimal(i++);
        long estimated = rs.getLong(i++);
        java.math.BigDecimal estimatedCost = rs.getBigDecimal(i++);
        long unpriced = rs.getLong(i++);
        long cacheable = rs.getLong(i++);
        long cacheableInput = rs.getLong(i++);
        long cacheableCached = rs.getLong(i++);
        long cacheWrite = rs.getLong(i++);
        long cacheWrite1h = rs.getLong(i++);
        long audioIn = rs.getLong(i++);
        long audioOut = rs.getLong(i++);
        long imageOut = rs.getLong(i++);
        long webSearch = rs.getLong(i++);
        long images = rs.getLong(i++);
        java.math.BigDecimal audioSeconds = rs.getBigDecimal(i++);
        long characters = rs.getLong(i++);
        UnitCounts units = new UnitCounts(cacheWrite, audioIn, audioOut, imageOut, webSearch, images, audioSeconds,
                characters, cacheWrite1h);
        long minInput = rs.getLong(i++);
        long maxInput = rs.getLong(i++);
        long[] above = longs(rs.getArray(i++));
        long[] durations = longs(rs.getArray(i++));
        long durationCalls = rs.getLong(i++);
        long first = rs.getLong(i++);
        long last = rs.getLong(i);
        return new TallyState(requests, input, cached, output, reasoning, total, cost, estimated, estimatedCost,
                unpriced, cacheable, cacheableInput, cacheableCached, units, minInput, maxInput, above, durations,
                durationCalls, first, last).toTally();
    }

    private static long[] longs(Array a) throws SQLException {
        Object[] values = (Object[]) a.getArray();
        long[] out = new long[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = values[i] == null ? 0 : ((Number) values[i]).longValue();
        }
        return out;
    }
}
