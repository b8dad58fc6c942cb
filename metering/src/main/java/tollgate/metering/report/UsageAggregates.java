package tollgate.metering.report;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.Executor;
import org.jspecify.annotations.Nullable;
import tollgate.config.MetricsConfig;
import tollgate.metering.log.UsageRecord;
import tollgate.metering.metrics.LabelCap;

/**
 * Per-day usage kept in memory for {@code /admin/usage} and the dashboard (SPEC 10): built once from the log,
 * fed every record as it is written, and queried through the same {@link StatsCalculator} as the CLI.
 *
 * <p>Bounded: on each day, keys, models, users, tag names and values past their caps (the first of the day keep
 * their names) fold into {@code other}, and the next day starts afresh, so names of last year do not take the caps
 * from today's; a day past {@link Caps#maxCellsPerDay} cells folds users and tag values, then whole calls, into
 * {@code other} cells; days older than {@link Caps#maxDays} are dropped, with their caps. {@link #add} is cheap and
 * lock-light: callable on an event loop.
 */
public final class UsageAggregates implements CellSource {
    /**
     * The bounds.
     *
     * @param maxCellsPerDay distinct (key, model, endpoint, user, tags, error) combinations kept per day, plus one
     *                       {@code other} cell; a cell is about 300 bytes plus its duration histogram (about 100 bytes
     *                       for calls under 10 s, at most 250), so the defaults bound the whole structure near
     *                       366 × 2,001 × 550 B ≈ 400 MB in the worst case (a few MB for typical traffic), plus
     *                       each day's caps on names: at most ~3,700 names a day with the defaults, ~65 MB more
     * @param maxDays days kept, today included
     */
    public record Caps(int maxKeys, int maxModels, int maxUsers, int maxTagValues, int maxCellsPerDay, int maxDays) {
        public static final Caps DEFAULT = new Caps(1000, 1000, 1000, 1000, 2000, 366);

        public Caps {
            check("max_keys", maxKeys);
            check("max_models", maxModels);
            check("max_users", maxUsers);
            check("max_tag_values", maxTagValues);
            check("max_cells_per_day", maxCellsPerDay);
            check("max_days", maxDays);
        }

        /** The metric label caps for keys and models (SPEC 9), the defaults for the rest. */
        public static Caps of(MetricsConfig metrics) {
            return new Caps(metrics.maxKeys(), metrics.maxModels(), DEFAULT.maxUsers, DEFAULT.maxTagValues,
                    DEFAULT.maxCellsPerDay, DEFAULT.maxDays);
        }

        private static void check(String name, int v) {
            if (v < 1) {
                throw new IllegalArgumentException(name + ": " + v + " (expected: >= 1)");
            }
        }
    }

    private static final String OTHER = StatsAccumulator.OTHER;
    /** Tag names come from client headers (SPEC 4): capped like values. */
    private static final int MAX_TAG_NAMES = 100;
    private static final int MAX_ENDPOINTS = 64;
    private static final int MAX_ERRORS = 256;

    private final Caps caps;
    private final Clock clock;
    private final Instant createdAt;
    private final UsageCube cube = new UsageCube();
    /** Each kept day's caps on names. */
    private final ConcurrentSkipListMap<LocalDate, DayCaps> dayCaps = new ConcurrentSkipListMap<>();
    private volatile LocalDate firstKept;

    /** Create it before the server accepts calls: {@link #loadAsync} reads only the calls logged before this. */
    public UsageAggregates(Caps caps, Clock clock) {
        this.caps = caps;
        this.clock = clock;
        this.createdAt = clock.instant();
        this.firstKept = firstKept(createdAt);
    }

    /** Counts one written record. */
    public void add(UsageRecord r) {
        LocalDate day = LocalDate.ofInstant(r.ts(), ZoneOffset.UTC);
        if (!retain(day)) {
            return;
        }
        CellKey cell = place(day, r.key(), r.endpoint(), r.model(), CellKey.pricedAs(r.costUsd(), r.pricedAs()),
                r.user(), r.tags(), r.error(), r.units().provider());
        cube.addCall(day, cell, r);
    }

    /**
     * Reads the log of the kept days, calls before this object's creation only (later ones arrive through
     * {@link #add}), on {@code executor}: the read blocks on file IO.
     */
    public CompletableFuture<Void> loadAsync(Path logDir, Executor executor) {
        return CompletableFuture.runAsync(() -> load(logDir), executor);
    }

    /** As {@link #loadAsync}, on the calling thread; a log folder not created yet is an empty log. */
    public void load(Path logDir) {
        LocalDate to = LocalDate.ofInstant(createdAt, ZoneOffset.UTC);
        LocalDate from = firstKept(createdAt);
        UsageCube read = LogScope.all(from, to, createdAt).read(logDir, Runtime.getRuntime().availableProcessors());
        read.forEachCell(from, to, (day, key, tally) -> {
            if (retain(day)) {
                cube.add(day, place(day, key.key(), key.endpoint(), key.model(), key.pricedAs(), key.user(), key.tags(),
                        key.error(), key.provider()), tally);
            }
        });
        for (LocalDate d = from; !d.isAfter(to); d = d.plusDays(1)) {
            cube.addSkipped(d, read.skippedLines(d, d));
        }
    }

    /**
     * The {@code stats} tree for a query, as the CLI computes it from the log; a query reaching before
     * {@link #firstDayKept()} is refused ({@link IllegalArgumentException}: a 400), not answered with zeros. Its cost grows with cells × days: off the event loop for long ranges ({@link #queryAsync}).
     */
    public StatsReport query(StatsQuery query, StatsContext context) {
        requireKept(query);
        return StatsCalculator.compute(query, this, context);
    }

    /**
     * Refuses a query reaching before {@link #firstDayKept()} ({@link IllegalArgumentException}: a 400): an answer
     * of zeros for days no longer held would read as "nothing was spent", and any caller of the report may ask.
     */
    public void requireKept(StatsQuery query) {
        LocalDate first = firstDayKept();
        if (query.from().isBefore(first)) {
            throw new IllegalArgumentException("since: " + query.from() + " (expected: " + first + " or later, the"
                    + " oldest day the in-memory report keeps; tollgate stats --log-dir reads the log for any range)");
        }
    }

    public CompletableFuture<StatsReport> queryAsync(StatsQuery query, StatsContext context, Executor executor) {
        return CompletableFuture.supplyAsync(() -> query(query, context), executor);
    }

    /** The oldest day held; a query reaching further back can be answered from the log instead. */
    public LocalDate firstDayKept() {
        return firstKept(clock.instant());
    }

    @Override
    public void forEachCell(LocalDate from, LocalDate to, CellVisitor visitor) {
        cube.forEachCell(from, to, visitor);
    }

    @Override
    public long skippedLines(LocalDate from, LocalDate to) {
        return cube.skippedLines(from, to);
    }

    private boolean retain(LocalDate day) {
        LocalDate first = firstKept(clock.instant());
        if (first.isAfter(firstKept)) {
            firstKept = first;
            cube.dropBefore(first);
            dayCaps.headMap(first, false).clear();
        }
        return !day.isBefore(first);
    }

    private LocalDate firstKept(Instant now) {
        return LocalDate.ofInstant(now, ZoneOffset.UTC).minusDays(caps.maxDays() - 1L);
    }

    /**
     * True when a call of a day {@code from..to} was counted under key {@code other} (past the day's bound on keys
     * or cells): a report of one key over those days is not whole here, and reads the log instead
     * ({@link StatsCalculator#fromLog}).
     */
    public boolean keysFolded(LocalDate from, LocalDate to) {
        if (from.isAfter(to)) {
            return false;
        }
        for (DayCaps c : dayCaps.subMap(from, true, to, true).values()) {
            if (c.keysFolded) {
                return true;
            }
        }
        return false;
    }

    /** The capped cell a call goes to. */
    private CellKey place(LocalDate day, String key, String endpoint, @Nullable String model,
                          @Nullable String pricedAs, @Nullable String user, Map<String, String> tags,
                          @Nullable String error, @Nullable String provider) {
        DayCaps c = dayCaps.computeIfAbsent(day, d -> new DayCaps(caps));
        CellKey placed = placeIn(c, day, key, endpoint, model, pricedAs, user, tags, error, provider);
        if (!c.keysFolded && OTHER.equals(placed.key()) && !OTHER.equals(key)) {
            c.keysFolded = true;
        }
        return placed;
    }

    private CellKey placeIn(DayCaps c, LocalDate day, String key, String endpoint, @Nullable String model,
                            @Nullable String pricedAs, @Nullable String user, Map<String, String> tags,
                            @Nullable String error, @Nullable String provider) {
        CellKey cell = new CellKey(c.keys.admit(key), c.endpoints.admit(endpoint), c.models.fold(model),
                c.models.fold(pricedAs), c.users.fold(user), tags(c, tags), c.errors.fold(error), c.providers.fold(provider));
        int cells = cube.cellCount(day);
        // three quarters of a day's cells for full detail, the rest for calls whose user and tags are folded
        if (cube.contains(day, cell) || cells < Math.max(1, caps.maxCellsPerDay() / 4 * 3)) {
            return cell;
        }
        Map<String, String> otherTags = new HashMap<>();
        cell.tags().keySet().forEach(name -> otherTags.put(name, OTHER));
        CellKey coarse = new CellKey(cell.key(), cell.endpoint(), cell.model(), cell.pricedAs(),
                cell.user() == null ? null : OTHER, otherTags, cell.error(), cell.provider());
        if (cube.contains(day, coarse) || cells < caps.maxCellsPerDay()) {
            return coarse;
        }
        return new CellKey(OTHER, OTHER, OTHER, null, null, Map.of(), cell.error() == null ? null : OTHER);
    }

    private static Map<String, String> tags(DayCaps c, Map<String, String> raw) {
        if (raw.isEmpty()) {
            return raw;
        }
        Map<String, String> out = new HashMap<>(raw.size() * 2);
        raw.forEach((name, value) -> {
            String n = c.tagNames.admit(name);
            boolean admitted = !OTHER.equals(n) && !OTHER.equals(c.tagValues.admit(n + '\u0000' + value));
            String v = admitted ? value : OTHER;
            out.merge(n, v, (a, b) -> OTHER);
        });
        return out;
    }

    /** One day's caps on names (SPEC 9's caps, applied per day). */
    private static final class DayCaps {
        final LabelCap keys;
        final LabelCap models;
        final LabelCap users;
        final LabelCap tagNames = new LabelCap(MAX_TAG_NAMES);
        final LabelCap tagValues;
        final LabelCap endpoints = new LabelCap(MAX_ENDPOINTS);
        final LabelCap errors = new LabelCap(MAX_ERRORS);
        final LabelCap providers = new LabelCap(MAX_ERRORS);
        /** A call of the day went to key {@code other}: set on the writer thread, read by reports. */
        volatile boolean keysFolded;

        DayCaps(Caps caps) {
            keys = new LabelCap(caps.maxKeys());
            models = new LabelCap(caps.maxModels());
            users = new LabelCap(caps.maxUsers());
            tagValues = new LabelCap(caps.maxTagValues());
        }
    }
}
