package tollgate.metering.store;

import java.sql.Array;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyIn;
import tollgate.config.StoreConfig;
import tollgate.metering.log.UsageRecord;
import tollgate.metering.report.CellKey;
import tollgate.metering.report.Tally;
import tollgate.metering.report.TallyState;
import tollgate.metering.usage.UnitCounts;

/**
 * The PostgreSQL side of {@code log.store} (issue 20): one JDBC connection, the schema tollgate creates and migrates
 * at start, and the one transaction a batch ships in. Blocking: the shipper's thread and start-up only.
 *
 * <pre>
 *   tollgate_schema(version)                        migrations, applied under pg_advisory_xact_lock
 *   usage_records   PARTITION BY RANGE (day)         one row per usage-log line;
 *                   UNIQUE (day, replica, spool_offset)  the line's place in its replica's log
 *     usage_records_YYYYMMDD                         a partition per UTC day, created on demand
 *   usage_rollups   PRIMARY KEY (minute, cell)       per minute and report cell, the cell's whole Tally
 *   store_checkpoints PRIMARY KEY (replica)          where each replica's shipping stands (day, spool_offset)
 * </pre>
 *
 * <p>A batch's records, the rollups they add to and the replica's checkpoint move in one transaction: a batch after
 * the checkpoint is copied in as it is, one behind it (or one that meets a row stored after it) is inserted with
 * {@code ON CONFLICT DO NOTHING RETURNING} and only the rows that came back are added to the rollups, so a batch
 * shipped twice is counted once ({@link #ship}). A record is known by where its line is in the shipping replica's
 * log (the day file and the byte offset the line starts at), not by its {@code request_id}: that is the upstream's
 * {@code x-request-id} when it sends one, which nothing makes unique (a gateway or a mock may send the same one on
 * every answer).
 */
public final class PostgresStore implements AutoCloseable {
    /** Advisory lock keys (any two constants of ours): the schema migration, and partition creation. */
    private static final long SCHEMA_LOCK = 0x746f6c6c67617465L;
    private static final long PARTITION_LOCK = SCHEMA_LOCK + 1;

    /** Append only: a database at version N runs the ones after N (tests build an older schema from the first N). */
    static final List<String> MIGRATIONS = List.of(
            // 1: records, rollups and the array sum the rollups' histograms need
            """
            CREATE TABLE usage_records (
              day date NOT NULL,
              ts timestamptz NOT NULL,
              request_id text NOT NULL,
              key text NOT NULL,
              endpoint text NOT NULL,
              model text,
              priced_as text,
              stream boolean NOT NULL,
              status integer NOT NULL,
              input_tokens bigint NOT NULL,
              cached_input_tokens bigint NOT NULL,
              output_tokens bigint NOT NULL,
              reasoning_tokens bigint NOT NULL,
              total_tokens bigint NOT NULL,
              estimated boolean NOT NULL,
              cost_usd numeric,
              duration_ms bigint NOT NULL,
              ttfb_ms bigint NOT NULL,
              "user" text,
              tags jsonb NOT NULL,
              error text,
              cache_write_tokens bigint NOT NULL,
              cache_write_1h_tokens bigint NOT NULL,
              audio_input_tokens bigint NOT NULL,
              audio_output_tokens bigint NOT NULL,
              image_output_tokens bigint NOT NULL,
              web_search_calls bigint NOT NULL,
              images bigint NOT NULL,
              audio_seconds numeric NOT NULL,
              characters bigint NOT NULL,
              service_tier text,
              provider text,
              batch boolean NOT NULL,
              extra jsonb,
              replica text NOT NULL,
              PRIMARY KEY (day, request_id)
            ) PARTITION BY RANGE (day);
            CREATE TABLE usage_rollups (
              minute timestamptz NOT NULL,
              cell text NOT NULL,
              key text NOT NULL,
              endpoint text NOT NULL,
              model text,
              priced_as text,
              "user" text,
              tags jsonb NOT NULL,
              error text,
              provider text,
              requests bigint NOT NULL,
              input_tokens bigint NOT NULL,
              cached_input_tokens bigint NOT NULL,
              output_tokens bigint NOT NULL,
              reasoning_tokens bigint NOT NULL,
              total_tokens bigint NOT NULL,
              cost_usd numeric NOT NULL,
              estimated_requests bigint NOT NULL,
              estimated_cost_usd numeric NOT NULL,
              unpriced_requests bigint NOT NULL,
              cacheable_prompt_requests bigint NOT NULL,
              cacheable_prompt_input_tokens bigint NOT NULL,
              cacheable_prompt_cached_tokens bigint NOT NULL,
              cache_write_tokens bigint NOT NULL,
              cache_write_1h_tokens bigint NOT NULL,
              audio_input_tokens bigint NOT NULL,
              audio_output_tokens bigint NOT NULL,
              image_output_tokens bigint NOT NULL,
              web_search_calls bigint NOT NULL,
              images bigint NOT NULL,
              audio_seconds numeric NOT NULL,
              characters bigint NOT NULL,
              min_input_tokens bigint NOT NULL,
              max_input_tokens bigint NOT NULL,
              above_edges bigint[] NOT NULL,
              durations bigint[] NOT NULL,
              duration_calls bigint NOT NULL,
              first_ms bigint NOT NULL,
              last_ms bigint NOT NULL,
              PRIMARY KEY (minute, cell)
            );
            CREATE FUNCTION tollgate_array_add(a bigint[], b bigint[]) RETURNS bigint[] LANGUAGE sql IMMUTABLE AS $$
              SELECT coalesce(array_agg(coalesce(x, 0) + coalesce(y, 0) ORDER BY i), '{}')
              FROM unnest(a, b) WITH ORDINALITY AS t(x, y, i)
            $$;
            """,
            // 2: the arrays summed over rows, so a report reads a day's cells, not its minutes
            """
            CREATE AGGREGATE tollgate_array_sum(bigint[]) (SFUNC = tollgate_array_add, STYPE = bigint[], INITCOND = '{}');
            """,
            // 3: a record is known by its line's place in its replica's log, not by the upstream's x-request-id (not
            // unique: 300,000 calls of a mock that sends one id stored one row); the rows of versions 1 and 2 have
            // no offset and stay (NULLs are distinct). No index on request_id: nothing of tollgate reads by it, and
            // one costs ~13 % of the database's CPU per shipped record
            """
            ALTER TABLE usage_records ADD COLUMN spool_offset bigint;
            ALTER TABLE usage_records DROP CONSTRAINT usage_records_pkey;
            ALTER TABLE usage_records ADD CONSTRAINT usage_records_spool_key UNIQUE (day, replica, spool_offset);
            """,
            // 4: the same sum of two arrays (element by element, the shorter padded with 0) as a loop instead of a
            // query per call: each rollup row updated runs it twice, and the query cost ~180 us per cell and batch
            """
            CREATE OR REPLACE FUNCTION tollgate_array_add(a bigint[], b bigint[]) RETURNS bigint[]
            LANGUAGE plpgsql IMMUTABLE AS $$
            DECLARE
              r bigint[] := coalesce(a, '{}');
            BEGIN
              FOR i IN 1 .. greatest(coalesce(cardinality(a), 0), coalesce(cardinality(b), 0)) LOOP
                r[i] := coalesce(a[i], 0) + coalesce(b[i], 0);
              END LOOP;
              RETURN r;
            END
            $$;
            """,
            // 5: the newest calls (/admin/usage/recent) are looked for in the last minute, hour, day… first: a BRIN
            // index on ts (a few pages, next to nothing per insert: the rows arrive in ts order) skips the rest
            """
            CREATE INDEX IF NOT EXISTS usage_records_ts_brin ON usage_records USING brin (ts) WITH (autosummarize = on);
            """,
            // 6: where each replica's shipping stands, moved in the batch's own transaction: the lines after it are
            // known not stored, so a batch of them is appended without a conflict check per row
            """
            CREATE TABLE store_checkpoints (
              replica text PRIMARY KEY,
              day date NOT NULL,
              spool_offset bigint NOT NULL,
              updated_at timestamptz NOT NULL DEFAULT now()
            );
            """);

    /** The replica's checkpoint, locked until the batch's commit (a second process on the same name waits). */
    private static final String LOCK_CHECKPOINT =
            "SELECT day, spool_offset FROM store_checkpoints WHERE replica = ? FOR UPDATE";
    private static final String READ_CHECKPOINT = "SELECT day, spool_offset FROM store_checkpoints WHERE replica = ?";
    /** Forward only: a batch shipped again behind it (a second process on the same name) leaves it where it is. */
    private static final String SAVE_CHECKPOINT = """
            INSERT INTO store_checkpoints AS c (replica, day, spool_offset) VALUES (?, ?, ?)
            ON CONFLICT (replica) DO UPDATE SET day = excluded.day, spool_offset = excluded.spool_offset,
              updated_at = now()
            WHERE (c.day, c.spool_offset) < (excluded.day, excluded.spool_offset)
            """;
    /** unique_violation: a row of a batch after the checkpoint was stored already. */
    private static final String UNIQUE_VIOLATION = "23505";

    private static final String UPSERT_ROLLUP = """
            INSERT INTO usage_rollups AS r (minute, cell, key, endpoint, model, priced_as, "user", tags, error, provider,
              requests, input_tokens, cached_input_tokens, output_tokens, reasoning_tokens, total_tokens, cost_usd,
              estimated_requests, estimated_cost_usd, unpriced_requests, cacheable_prompt_requests,
              cacheable_prompt_input_tokens, cacheable_prompt_cached_tokens, cache_write_tokens, cache_write_1h_tokens,
              audio_input_tokens, audio_output_tokens, image_output_tokens, web_search_calls, images, audio_seconds,
              characters, min_input_tokens, max_input_tokens, above_edges, durations, duration_calls, first_ms, last_ms)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?::jsonb, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,
              ?, ?, ?, ?, ?, ?)
            ON CONFLICT (minute, cell) DO UPDATE SET
              requests = r.requests + excluded.requests,
              input_tokens = r.input_tokens + excluded.input_tokens,
              cached_input_tokens = r.cached_input_tokens + excluded.cached_input_tokens,
              output_tokens = r.output_tokens + excluded.output_tokens,
              reasoning_tokens = r.reasoning_tokens + excluded.reasoning_tokens,
              total_tokens = r.total_tokens + excluded.total_tokens,
              cost_usd = r.cost_usd + excluded.cost_usd,
              estimated_requests = r.estimated_requests + excluded.estimated_requests,
              estimated_cost_usd = r.estimated_cost_usd + excluded.estimated_cost_usd,
              unpriced_requests = r.unpriced_requests + excluded.unpriced_requests,
              cacheable_prompt_requests = r.cacheable_prompt_requests + excluded.cacheable_prompt_requests,
              cacheable_prompt_input_tokens = r.cacheable_prompt_input_tokens + excluded.cacheable_prompt_input_tokens,
              cacheable_prompt_cached_tokens = r.cacheable_prompt_cached_tokens + excluded.cacheable_prompt_cached_tokens,
              cache_write_tokens = r.cache_write_tokens + excluded.cache_write_tokens,
              cache_write_1h_tokens = r.cache_write_1h_tokens + excluded.cache_write_1h_tokens,
              audio_input_tokens = r.audio_input_tokens + excluded.audio_input_tokens,
              audio_output_tokens = r.audio_output_tokens + excluded.audio_output_tokens,
              image_output_tokens = r.image_output_tokens + excluded.image_output_tokens,
              web_search_calls = r.web_search_calls + excluded.web_search_calls,
              images = r.images + excluded.images,
              audio_seconds = r.audio_seconds + excluded.audio_seconds,
              characters = r.characters + excluded.characters,
              min_input_tokens = least(r.min_input_tokens, excluded.min_input_tokens),
              max_input_tokens = greatest(r.max_input_tokens, excluded.max_input_tokens),
              above_edges = tollgate_array_add(r.above_edges, excluded.above_edges),
              durations = tollgate_array_add(r.durations, excluded.durations),
              duration_calls = r.duration_calls + excluded.duration_calls,
              first_ms = least(r.first_ms, excluded.first_ms),
              last_ms = greatest(r.last_ms, excluded.last_ms)
            """;

    private final StoreConfig config;
    private final Connection connection;
    private final Set<LocalDate> partitions = new HashSet<>();
    private long conflicts;
    private long appended;
    private final CopyText copyText = new CopyText();

    private PostgresStore(StoreConfig config, Connection connection) {
        this.config = config;
        this.connection = connection;
    }

    /**
     * Connects and brings the schema up to date.
     *
     * @throws StoreException naming {@code log.store} and the database's reason, never the password
     */
    public static PostgresStore open(StoreConfig config) throws StoreException {
        Connection c;
        try {
            c = connect(config);
        } catch (SQLException e) {
            throw StoreException.of(config, e);
        }
        PostgresStore store = new PostgresStore(config, c);
        try {
            store.migrate();
            return store;
        } catch (SQLException e) {
            store.close();
            throw StoreException.of(config, e);
        }
    }

    /** A connection to {@code log.store}'s database, with tollgate's driver settings (bounded timeouts). */
    static Connection connect(StoreConfig config) throws SQLException {
        return DriverManager.getConnection(config.jdbcUrl(), properties(config));
    }

    private static Properties properties(StoreConfig config) {
        Properties p = new Properties();
        config.params().forEach(p::setProperty);
        p.setProperty("user", config.user());
        if (config.password() != null) {
            p.setProperty("password", config.password());
        }
        p.putIfAbsent("ApplicationName", "tollgate");
        // a dead database fails a batch in bounded time instead of hanging the shipper
        p.putIfAbsent("connectTimeout", "10");
        p.putIfAbsent("socketTimeout", "60");
        p.putIfAbsent("tcpKeepAlive", "true");
        return p;
    }

    /** The schema's version after start-up's migration. */
    public static int schemaVersion() {
        return MIGRATIONS.size();
    }

    private void migrate() throws SQLException {
        connection.setAutoCommit(false);
        try (Statement st = connection.createStatement()) {
            // replicas starting at once: one migrates, the others wait here and then find nothing to do
            st.execute("SELECT pg_advisory_xact_lock(" + SCHEMA_LOCK + ")");
            st.execute("CREATE TABLE IF NOT EXISTS tollgate_schema (version integer PRIMARY KEY, "
                    + "applied_at timestamptz NOT NULL DEFAULT now())");
            int current;
            try (ResultSet rs = st.executeQuery("SELECT coalesce(max(version), 0) FROM tollgate_schema")) {
                rs.next();
                current = rs.getInt(1);
            }
            for (int v = current + 1; v <= MIGRATIONS.size(); v++) {
                st.execute(MIGRATIONS.get(v - 1));
                st.execute("INSERT INTO tollgate_schema (version) VALUES (" + v + ")");
            }
            connection.commit();
        } catch (SQLException e) {
            rollbackQuietly();
            throw e;
        }
    }

    /**
     * One line of the spool with what the table needs besides its record.
     *
     * @param day the day of the log file the line is in (the UTC day of its {@code ts}, as the writer files it)
     * @param spoolOffset the byte offset the line starts at in that day's file (uncompressed): with the replica's
     *                    name, the record's key, the same each time the line is shipped
     * @param extra the line's fields this version does not know (raw JSON values)
     */
    public record Row(LocalDate day, long spoolOffset, UsageRecord record, Map<String, String> extra) {
        /** Orders rows by their place in the log. */
        int compareTo(LocalDate otherDay, long otherOffset) {
            return Place.compare(day, spoolOffset, otherDay, otherOffset);
        }
    }

    /**
     * {@code s} as PostgreSQL's text can hold it: U+0000 (a client may send one, in {@code user} say, and the log
     * keeps it) as U+FFFD, the replacement character; the rest as is. Without it such a record would be refused on
     * every attempt, and shipping would stop there.
     */
    static @Nullable String storable(@Nullable String s) {
        return s == null || s.indexOf('\0') < 0 ? s : s.replace('\0', '\uFFFD');
    }

    /** A place in a replica's log: a day's file and a byte offset in it (where a line starts, or the file ends). */
    public record Place(LocalDate day, long offset) {
        /** Whether this place is after {@code other} in the log (a later day, or further in the same day). */
        public boolean isAfter(Place other) {
            return compare(day, offset, other.day, other.offset) > 0;
        }

        /** Places in the log's order: by day, then by offset in the day's file. */
        static int compare(LocalDate day, long offset, LocalDate otherDay, long otherOffset) {
            int c = day.compareTo(otherDay);
            return c != 0 ? c : Long.compare(offset, otherOffset);
        }
    }

    /**
     * Ships one batch in one transaction with the replica's checkpoint: the records not stored yet are inserted,
     * exactly those are added to the rollups, and the checkpoint moves to {@code end}.
     *
     * <p>A batch that starts at or after the stored checkpoint is known new and appended as it is (no conflict
     * check per row); should a row of it be stored already all the same (a database restored from a backup older
     * than its rows, an older tollgate that shipped without the checkpoint), the unique key refuses it, and the batch
     * is shipped again the way one behind the checkpoint is: {@code ON CONFLICT DO NOTHING RETURNING}, the rollups
     * adding the rows that came back. Either way nothing is counted twice.
     *
     * @param batch rows in the order of their place in the log (day, then offset), each place once
     * @param end the place just past the batch's last line
     * @return the records inserted (the others were already there)
     */
    public List<Row> ship(List<Row> batch, String replica, Place end) throws SQLException {
        for (int i = 0; i < batch.size(); i++) {
            Row r = batch.get(i);
            if (i > 0 && batch.get(i - 1).compareTo(r.day(), r.spoolOffset()) >= 0) {
                throw new IllegalArgumentException("batch: row " + i + " (" + r.day() + " at " + r.spoolOffset()
                        + ") not after the row before it (expected: in the log's order)");
            }
            partition(r.day());
        }
        try {
            Place stored = checkpoint(replica, LOCK_CHECKPOINT);
            List<Row> inserted = null;
            if (stored != null && !batch.isEmpty() && batch.get(0).compareTo(stored.day(), stored.offset()) >= 0) {
                try {
                    append(batch, replica);
                    appended++;
                    inserted = batch;
                } catch (SQLException e) {
                    if (!UNIQUE_VIOLATION.equals(e.getSQLState())) {
                        throw e;
                    }
                    connection.rollback();
                    conflicts++;
                    checkpoint(replica, LOCK_CHECKPOINT);
                }
            }
            if (inserted == null) {
                inserted = insert(batch, replica);
            }
            upsertRollups(inserted);
            try (PreparedStatement ps = connection.prepareStatement(SAVE_CHECKPOINT)) {
                ps.setString(1, replica);
                ps.setObject(2, end.day());
                ps.setLong(3, end.offset());
                ps.executeUpdate();
            }
            connection.commit();
            return inserted;
        } catch (SQLException | RuntimeException e) {
            rollbackQuietly();
            throw e;
        }
    }

    /** The replica's checkpoint in the database, null when it never shipped with one (schema version 6). */
    public @Nullable Place checkpoint(String replica) throws SQLException {
        try {
            Place p = checkpoint(replica, READ_CHECKPOINT);
            connection.commit();
            return p;
        } catch (SQLException e) {
            rollbackQuietly();
            throw e;
        }
    }

    private @Nullable Place checkpoint(String replica, String sql) throws SQLException {
        try (PreparedStatement ps = connection.prepareStatement(sql)) {
            ps.setString(1, replica);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? new Place(rs.getObject(1, LocalDate.class), rs.getLong(2)) : null;
            }
        }
    }

    /** Batches that met a row stored already after the checkpoint, and were shipped again checking each row. */
    long conflicts() {
        return conflicts;
    }

    /** Batches appended after the checkpoint as they were. */
    long appended() {
        return appended;
    }

    /**
     * Appends rows known not stored: {@code COPY FROM STDIN}, PostgreSQL's cheapest way in per row, into each day's
     * partition itself (a run of the batch per day): through the parent table the database routes every row, ~0.45
     * us of its CPU a row more in 1,000-row copies (bench/RESULTS.md, session 8).
     */
    private void append(List<Row> batch, String replica) throws SQLException {
        for (int from = 0, to; from < batch.size(); from = to) {
            LocalDate day = batch.get(from).day();
            to = from + 1;
            while (to < batch.size() && batch.get(to).day().equals(day)) {
                to++;
            }
            copy(batch.subList(from, to), partitionName(day), replica);
        }
    }

    private void copy(List<Row> rows, String table, String replica) throws SQLException {
        CopyIn in = connection.unwrap(PGConnection.class).getCopyAPI().copyIn(RecordColumns.copyInto(table));
        try {
            copyText.start(in);
            RecordColumns.copy(copyText, rows, replica);
            copyText.finish();
            in.endCopy();
        } finally {
            if (in.isActive()) {
                in.cancelCopy();
            }
        }
    }

    private List<Row> insert(List<Row> batch, String replica) throws SQLException {
        boolean[] stored = new boolean[batch.size()];
        try (PreparedStatement ps = connection.prepareStatement(RecordColumns.INSERT)) {
            RecordColumns.set(ps, batch, replica);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    int i = find(batch, rs.getObject(1, LocalDate.class), rs.getLong(2));
                    if (i >= 0) {
                        stored[i] = true;
                    }
                }
            }
        }
        List<Row> inserted = new ArrayList<>();
        for (int i = 0; i < stored.length; i++) {
            if (stored[i]) {
                inserted.add(batch.get(i));
            }
        }
        return inserted;
    }

    /** The index of the row at {@code day} and {@code offset} in a batch in the log's order, else -1. */
    private static int find(List<Row> batch, LocalDate day, long offset) {
        int lo = 0;
        int hi = batch.size() - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            int c = batch.get(mid).compareTo(day, offset);
            if (c == 0) {
                return mid;
            }
            if (c < 0) {
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        return -1;
    }

    /** A cell of one minute. */
    private record MinuteCell(Instant minute, CellKey key) {
    }

    private void upsertRollups(List<Row> inserted) throws SQLException {
        Map<MinuteCell, Tally> cells = new java.util.HashMap<>();
        for (Row row : inserted) {
            UsageRecord r = row.record();
            cells.computeIfAbsent(new MinuteCell(r.ts().truncatedTo(ChronoUnit.MINUTES), CellKey.of(r)),
                    k -> new Tally()).addRecord(r);
        }
        // one lock order for every replica: two batches upserting the same cells cannot deadlock
        List<Map.Entry<MinuteCell, String>> order = new ArrayList<>();
        cells.keySet().forEach(k -> order.add(Map.entry(k, Json.cellId(k.key()))));
        order.sort(Comparator.comparing((Map.Entry<MinuteCell, String> e) -> e.getKey().minute())
                .thenComparing(Map.Entry::getValue));
        try (PreparedStatement ps = connection.prepareStatement(UPSERT_ROLLUP)) {
            for (Map.Entry<MinuteCell, String> e : order) {
                CellKey k = e.getKey().key();
                TallyState t = TallyState.of(cells.get(e.getKey()));
                UnitCounts u = t.units();
                int i = 1;
                ps.setObject(i++, java.time.OffsetDateTime.ofInstant(e.getKey().minute(), ZoneOffset.UTC));
                ps.setString(i++, e.getValue());
                ps.setString(i++, storable(k.key()));
                ps.setString(i++, storable(k.endpoint()));
                ps.setString(i++, storable(k.model()));
                ps.setString(i++, storable(k.pricedAs()));
                ps.setString(i++, storable(k.user()));
                ps.setString(i++, Json.object(k.tags()));
                ps.setString(i++, storable(k.error()));
                ps.setString(i++, storable(k.provider()));
                for (long n : new long[] {t.requests(), t.inputTokens(), t.cachedInputTokens(), t.outputTokens(),
                        t.reasoningTokens(), t.totalTokens()}) {
                    ps.setLong(i++, n);
                }
                ps.setBigDecimal(i++, t.costUsd());
                ps.setLong(i++, t.estimatedRequests());
                ps.setBigDecimal(i++, t.estimatedCostUsd());
                for (long n : new long[] {t.unpricedRequests(), t.cacheablePromptRequests(),
                        t.cacheablePromptInputTokens(), t.cacheablePromptCachedTokens(), u.cacheWriteTokens(),
                        u.cacheWrite1hTokens(), u.audioInputTokens(), u.audioOutputTokens(), u.imageOutputTokens(),
                        u.webSearchCalls(), u.images()}) {
                    ps.setLong(i++, n);
                }
                ps.setBigDecimal(i++, u.audioSeconds());
                ps.setLong(i++, u.characters());
                ps.setLong(i++, t.minInputTokens());
                ps.setLong(i++, t.maxInputTokens());
                ps.setArray(i++, longs(t.aboveEdges()));
                ps.setArray(i++, longs(t.durationCounts()));
                ps.setLong(i++, t.durationCalls());
                ps.setLong(i++, t.firstEpochMilli());
                ps.setLong(i, t.lastEpochMilli());
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }

    private Array longs(long[] values) throws SQLException {
        return connection.unwrap(PGConnection.class).createArrayOf("int8", values);
    }

    /** The partition of {@code day}'s records: {@code usage_records_YYYYMMDD}. */
    static String partitionName(LocalDate day) {
        return "usage_records_" + day.toString().replace("-", "");
    }

    /** Creates the partition of {@code day} unless this connection saw it, under a lock (replicas race for it). */
    private void partition(LocalDate day) throws SQLException {
        if (partitions.contains(day)) {
            return;
        }
        try (Statement st = connection.createStatement()) {
            st.execute("SELECT pg_advisory_xact_lock(" + PARTITION_LOCK + ")");
            st.execute("CREATE TABLE IF NOT EXISTS " + partitionName(day) + " PARTITION OF usage_records"
                    + " FOR VALUES FROM ('" + day + "') TO ('" + day.plusDays(1) + "')");
            connection.commit();
        } catch (SQLException e) {
            rollbackQuietly();
            throw e;
        }
        partitions.add(day);
    }

    private void rollbackQuietly() {
        try {
            connection.rollback();
        } catch (SQLException ignored) {
            // the connection is broken: the caller drops it
        }
    }

    public StoreConfig config() {
        return config;
    }

    @Override
    public void close() {
        try {
            connection.close();
        } catch (SQLException ignored) {
            // closing a broken connection: nothing to keep
        }
    }
}
