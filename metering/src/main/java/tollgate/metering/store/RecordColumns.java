package tollgate.metering.store;

import java.math.BigDecimal;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.List;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.ToLongFunction;
import org.jspecify.annotations.Nullable;
import org.postgresql.PGConnection;
import tollgate.metering.log.UsageRecord;
import tollgate.metering.log.UsageRecordJson;
import tollgate.metering.usage.UnitCounts;

/**
 * The columns of {@code usage_records} a batch is inserted into, each passed as one array of the batch's values
 * ({@code INSERT … SELECT … FROM unnest(?, ?, …)}): numbers, flags, {@code ts} (epoch milliseconds) and {@code day}
 * (epoch days) as {@code bigint[]}, {@code integer[]} and {@code boolean[]} built from primitive arrays (sent in
 * binary, read without parsing text), text as {@code text[]}, and {@code numeric} and {@code jsonb} as text cast in
 * SQL; the shipping replica's name, the same on every row, once. Column by column over the batch: no array of
 * strings nor formatted number per record.
 */
final class RecordColumns {
    /** How a column's values travel: the array's element type, and the SQL that makes the column's value of it. */
    private enum Kind {
        TEXT("text", "%s"), REPLICA("text", "?::text"), BIGINT("int8", "%s"), INTEGER("int4", "%s"), BOOLEAN("bool", "%s"),
        NUMERIC("text", "%s::numeric"), JSONB("text", "%s::jsonb"),
        /** Days since 1970-01-01. */
        EPOCH_DAY("int4", "date 'epoch' + %s"),
        /** Milliseconds since the epoch (the log's ts has exactly three fraction digits): exact below 2^53 ms. */
        EPOCH_MILLIS("int8", "timestamptz 'epoch' + %s * interval '1 millisecond'");

        final String element;
        final String expression;

        Kind(String element, String expression) {
            this.element = element;
            this.expression = expression;
        }
    }

    /**
     * A column: its name, how it travels, and its value of one row: a {@code ToLongFunction} for numbers, a
     * {@code Predicate} for flags, a {@code Function} to a string for the others; null for the replica's name, the
     * statement's first parameter and no array.
     */
    private record Column(String name, Kind kind, @Nullable Object value) {
    }

    private static final List<Column> COLUMNS = List.of(
            number("day", Kind.EPOCH_DAY, row -> row.day().toEpochDay()),
            number("ts", Kind.EPOCH_MILLIS, row -> row.record().ts().toEpochMilli()),
            text("request_id", row -> row.record().requestId()),
            text("key", row -> row.record().key()),
            text("endpoint", row -> row.record().endpoint()),
            text("model", row -> row.record().model()),
            text("priced_as", row -> row.record().pricedAs()),
            flag("stream", row -> row.record().stream()),
            number("status", Kind.INTEGER, row -> row.record().status()),
            tokens("input_tokens", UsageRecord::inputTokens),
            tokens("cached_input_tokens", UsageRecord::cachedInputTokens),
            tokens("output_tokens", UsageRecord::outputTokens),
            tokens("reasoning_tokens", UsageRecord::reasoningTokens),
            tokens("total_tokens", UsageRecord::totalTokens),
            flag("estimated", row -> row.record().estimated()),
            text("cost_usd", Kind.NUMERIC, row -> decimal(row.record().costUsd())),
            tokens("duration_ms", UsageRecord::durationMs),
            tokens("ttfb_ms", UsageRecord::ttfbMs),
            text("\"user\"", row -> row.record().user()),
            text("tags", Kind.JSONB, row -> row.record().tags().isEmpty() ? "{}" : Json.object(row.record().tags())),
            text("error", row -> row.record().error()),
            units("cache_write_tokens", UnitCounts::cacheWriteTokens),
            units("cache_write_1h_tokens", UnitCounts::cacheWrite1hTokens),
            units("audio_input_tokens", UnitCounts::audioInputTokens),
            units("audio_output_tokens", UnitCounts::audioOutputTokens),
            units("image_output_tokens", UnitCounts::imageOutputTokens),
            units("web_search_calls", UnitCounts::webSearchCalls),
            units("images", UnitCounts::images),
            text("audio_seconds", Kind.NUMERIC, row -> decimal(row.record().units().counts().audioSeconds())),
            units("characters", UnitCounts::characters),
            text("service_tier", row -> row.record().units().serviceTier()),
            text("provider", row -> row.record().units().provider()),
            flag("batch", row -> row.record().units().batch()),
            text("extra", Kind.JSONB, row -> row.extra().isEmpty() ? null : Json.rawObject(row.extra())),
            new Column("replica", Kind.REPLICA, null),
            number("spool_offset", Kind.BIGINT, PostgresStore.Row::spoolOffset));

    /** The insert of a batch: the rows whose place in the log is not stored yet come back. */
    static final String INSERT = insert()
            + " ON CONFLICT (day, replica, spool_offset) DO NOTHING RETURNING day, spool_offset";
    private static final String COPY_COLUMNS = " (" + String.join(", ", COLUMNS.stream().map(Column::name).toList())
            + ") FROM STDIN";

    /** The copy of rows known not stored into {@code table} (a day's partition): {@link #copy} writes them. */
    static String copyInto(String table) {
        return "COPY " + table + COPY_COLUMNS;
    }

    private RecordColumns() {
    }

    /** Sets the parameters of {@link #INSERT} for {@code batch}: the replica's name, then an array per column. */
    static void set(PreparedStatement ps, List<PostgresStore.Row> batch, String replica) throws SQLException {
        PGConnection c = ps.getConnection().unwrap(PGConnection.class);
        ps.setString(1, replica);
        int p = 2;
        for (Column column : COLUMNS) {
            if (column.kind() != Kind.REPLICA) {
                ps.setArray(p++, c.createArrayOf(column.kind().element, values(column, batch)));
            }
        }
    }

    /**
     * Writes {@code batch} for {@link #copyInto}: a line per row, the columns in their order, each value as the text
     * the column's type reads (a date, a timestamp in UTC to the millisecond, a number, {@code t}/{@code f}, text).
     */
    @SuppressWarnings("unchecked")
    static void copy(CopyText out, List<PostgresStore.Row> batch, String replica) throws SQLException {
        byte[] name = CopyText.escape(replica);
        for (PostgresStore.Row row : batch) {
            for (Column column : COLUMNS) {
                Object value = column.value();
                switch (column.kind()) {
                    case REPLICA -> out.raw(name);
                    case EPOCH_DAY -> out.date(((ToLongFunction<PostgresStore.Row>) value).applyAsLong(row));
                    case EPOCH_MILLIS -> out.timestamp(((ToLongFunction<PostgresStore.Row>) value).applyAsLong(row));
                    case BIGINT, INTEGER -> out.number(((ToLongFunction<PostgresStore.Row>) value).applyAsLong(row));
                    case BOOLEAN -> out.bool(((Predicate<PostgresStore.Row>) value).test(row));
                    case TEXT, NUMERIC, JSONB -> out.text(((Function<PostgresStore.Row, @Nullable String>) value)
                            .apply(row));
                }
            }
            out.endRow();
        }
    }

    /** One column's values over the batch: a {@code long[]}, {@code int[]}, {@code boolean[]} or {@code String[]}. */
    @SuppressWarnings("unchecked")
    private static Object values(Column column, List<PostgresStore.Row> batch) {
        int n = batch.size();
        Object value = column.value();
        if (value instanceof ToLongFunction<?> number) {
            ToLongFunction<PostgresStore.Row> f = (ToLongFunction<PostgresStore.Row>) number;
            if (column.kind().element.equals("int4")) {
                int[] a = new int[n];
                for (int i = 0; i < n; i++) {
                    a[i] = Math.toIntExact(f.applyAsLong(batch.get(i)));
                }
                return a;
            }
            long[] a = new long[n];
            for (int i = 0; i < n; i++) {
                a[i] = f.applyAsLong(batch.get(i));
            }
            return a;
        }
        if (value instanceof Predicate<?> flag) {
            Predicate<PostgresStore.Row> f = (Predicate<PostgresStore.Row>) flag;
            boolean[] a = new boolean[n];
            for (int i = 0; i < n; i++) {
                a[i] = f.test(batch.get(i));
            }
            return a;
        }
        String[] a = new String[n];
        Function<PostgresStore.Row, @Nullable String> f = (Function<PostgresStore.Row, @Nullable String>) value;
        for (int i = 0; i < n; i++) {
            a[i] = PostgresStore.storable(f.apply(batch.get(i)));
        }
        return a;
    }

    private static String insert() {
        StringBuilder cols = new StringBuilder();
        StringBuilder select = new StringBuilder();
        StringBuilder arrays = new StringBuilder();
        StringBuilder names = new StringBuilder();
        for (int i = 0; i < COLUMNS.size(); i++) {
            Column c = COLUMNS.get(i);
            String sep = i == 0 ? "" : ", ";
            cols.append(sep).append(c.name());
            select.append(sep).append(c.kind().expression.formatted("c" + i));
            if (c.kind() != Kind.REPLICA) {
                String comma = arrays.isEmpty() ? "" : ", ";
                arrays.append(comma).append("?::").append(c.kind().element).append("[]");
                names.append(comma).append("c").append(i);
            }
        }
        return "INSERT INTO usage_records (" + cols + ") SELECT " + select + " FROM unnest(" + arrays + ") AS t("
                + names + ")";
    }

    private static Column text(String name, Function<PostgresStore.Row, @Nullable String> value) {
        return new Column(name, Kind.TEXT, value);
    }

    private static Column text(String name, Kind kind, Function<PostgresStore.Row, @Nullable String> value) {
        return new Column(name, kind, value);
    }

    private static Column flag(String name, Predicate<PostgresStore.Row> value) {
        return new Column(name, Kind.BOOLEAN, value);
    }

    private static Column number(String name, Kind kind, ToLongFunction<PostgresStore.Row> value) {
        return new Column(name, kind, value);
    }

    private static Column tokens(String name, ToLongFunction<UsageRecord> value) {
        return number(name, Kind.BIGINT, row -> value.applyAsLong(row.record()));
    }

    private static Column units(String name, ToLongFunction<UnitCounts> value) {
        return number(name, Kind.BIGINT, row -> value.applyAsLong(row.record().units().counts()));
    }

    /**
     * A decimal as the log writes it (plain, no trailing zeros): a record handed over by the writer holds its cost
     * at the scale it was computed at, one read from its line at the scale the line has; both are stored the same.
     */
    private static @Nullable String decimal(@Nullable BigDecimal v) {
        return v == null ? null : UsageRecordJson.plainDecimal(v);
    }
}
