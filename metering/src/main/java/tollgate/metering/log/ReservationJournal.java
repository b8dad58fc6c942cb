package tollgate.metering.log;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * The usage log's own journal of budget holds, so that {@code kill -9} can never reopen a spent budget (issue 17):
 * a call's reservation is appended here before the call is forwarded, and its end once the call's usage record has
 * been written. At start-up, holds that never ended are charged at their worst case: each becomes a usage record
 * ({@code estimated: true}, {@code error: "tollgate_restarted"}) before anything reads the log, so the ledger rebuild,
 * {@code stats} and the reports all count them.
 * <p>One file, {@code <log dir>/reservations.journal}, one JSON object per line: {@code {"hold":id,…}} and
 * {@code {"end":[id,…]}} (the ends of an accounting batch; {@code {"end":id}} of older versions is read too). Written only by the usage-log writer thread, in order with the records (a call's end is written
 * after its record, so a crash between the two charges the call twice rather than never). Bounded under any load:
 * past {@link #COMPACT_BYTES} it is emptied when no hold is open; past {@link #REWRITE_BYTES} (and twice what the last
 * rewrite left) with holds open, it is replaced whole by the lines of the holds still open (written beside it,
 * forced, moved over it), so holds always in flight under steady traffic do not let it grow without end.
 * <p>Durability: a hold is written (in the page cache) before its call is forwarded, so a killed process loses none;
 * on power loss, what {@code log.fsync} leaves at risk (batch: 200 ms).
 */
public final class ReservationJournal implements AutoCloseable {
    public static final String FILE_NAME = "reservations.journal";
    /** The error of a usage record made at start-up for a call whose process died with it in flight. */
    public static final String RESTARTED = "tollgate_restarted";
    /** Put before a hold's id to make its restart record's request id. */
    private static final String RESTARTED_ID = "tg-restarted-";
    static final long COMPACT_BYTES = 1 << 20;
    /** Past this the file is rewritten with only the open holds' lines (a force each time, so less often). */
    static final long REWRITE_BYTES = 4 << 20;
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(ReservationJournal.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    /** What a hold says about its call: enough for the usage record it becomes if the process dies. */
    public record Hold(String id, Instant ts, String key, String endpoint, @Nullable String model,
                       @Nullable String pricedAs, boolean stream, @Nullable String user, Map<String, String> tags,
                       BigDecimal usd, long tokens) {
        public Hold {
            tags = Map.copyOf(tags);
        }
    }

    private final Path path;
    /** The holds written and not ended, in the order they were written: what a compaction keeps. */
    private final Map<String, Hold> open = new LinkedHashMap<>();
    /** Lines not written yet, each ending in a newline: encoded in place, written as they are (no copy per line). */
    private final JsonLine pending = new JsonLine();
    private @Nullable FileChannel channel;
    /** The file's length as this writer made it (read once when opened). */
    private long size;
    /** What the last rewrite left: the file is rewritten again once it is twice that and past REWRITE_BYTES. */
    private long compacted;
    private boolean dirty;

    ReservationJournal(Path dir) {
        this.path = dir.resolve(FILE_NAME);
    }

    /** Appends the lines added since the last write (writer thread); nothing is forced here but a compaction. */
    void write() throws IOException {
        if (pending.isEmpty()) {
            return;
        }
        ByteBuffer b = pending.buffer();
        try {
            FileChannel ch = channel();
            while (b.hasRemaining()) {
                size += ch.write(b);
            }
            dirty = true;
        } finally {
            pending.clear();
        }
        if (open.isEmpty() ? size > COMPACT_BYTES : size > REWRITE_BYTES && size > 2 * compacted) {
            compact();
        }
    }

    /**
     * Drops the lines of ended holds: truncates the file when no hold is open, else writes the open holds' lines
     * beside it, forces them and moves them over it, so that a crash leaves the old file or the new one, each with
     * every open hold. A failure leaves the old file in use (it is still right) and is logged.
     */
    private void compact() {
        FileChannel ch = channel;
        if (ch == null) {
            return;
        }
        compacted = size;
        try {
            if (open.isEmpty()) {
                ch.truncate(0);
                size = 0;
                compacted = 0;
                return;
            }
            JsonLine lines = new JsonLine();
            for (Hold h : open.values()) {
                write(lines, h);
                lines.put('\n');
            }
            ByteBuffer b = lines.buffer();
            byte[] bytes = new byte[b.remaining()];
            b.get(bytes);
            AtomicFiles.replace(path, bytes);
            channel = null;
            ch.close();
            size = channel().size();
            compacted = size;
            dirty = false;
        } catch (IOException | RuntimeException e) {
            log.warn("usage log: cannot compact the reservation journal ({} bytes, {} holds open): {}", size,
                    open.size(), e.toString());
        }
    }

    /** True when lines wait for {@link #write()}. */
    boolean pending() {
        return !pending.isEmpty();
    }

    /** Forgets the lines not written (after an unexpected failure of the writer thread). */
    void dropPending() {
        pending.clear();
    }

    /** Adds a hold's line. */
    void hold(Hold h) {
        open.put(h.id(), h);
        write(pending, h);
        pending.put('\n');
    }

    /**
     * Adds one line ending every hold of {@code ids} that is open ({@code {"end":[id,…]}}: an accounting batch's ends
     * at once); none when none is.
     */
    void end(String[] ids) {
        boolean any = false;
        for (String id : ids) {
            if (open.remove(id) == null) {
                continue;
            }
            if (!any) {
                pending.raw(F_ENDS);
                any = true;
            } else {
                pending.put(',');
            }
            pending.string(id);
        }
        if (any) {
            pending.put(']');
            pending.put('}');
            pending.put('\n');
        }
    }

    boolean dirty() {
        return dirty;
    }

    void force() throws IOException {
        if (dirty && channel != null) {
            channel.force(false);
            dirty = false;
        }
    }

    private FileChannel channel() throws IOException {
        FileChannel ch = channel;
        if (ch == null) {
            ch = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
            channel = ch;
            size = ch.size();
        }
        return ch;
    }

    @Override
    public void close() throws IOException {
        FileChannel ch = channel;
        channel = null;
        if (ch != null) {
            ch.close();
        }
    }

    static String toJson(Hold h) {
        JsonLine out = JsonLine.local();
        write(out, h);
        return out.toString();
    }

    private static final byte[] F_ENDS = JsonLine.ascii("{\"end\":[");
    private static final byte[] F_HOLD = JsonLine.field("{", "hold");
    private static final byte[] F_TS = JsonLine.field(",", "ts");
    private static final byte[] F_KEY = JsonLine.field(",", "key");
    private static final byte[] F_ENDPOINT = JsonLine.field(",", "endpoint");
    private static final byte[] F_MODEL = JsonLine.field(",", "model");
    private static final byte[] F_PRICED_AS = JsonLine.field(",", "priced_as");
    private static final byte[] F_STREAM = JsonLine.field(",", "stream");
    private static final byte[] F_USER = JsonLine.field(",", "user");
    private static final byte[] F_TAGS = JsonLine.field(",", "tags");
    private static final byte[] F_USD = JsonLine.field(",", "usd");
    private static final byte[] F_TOKENS = JsonLine.field(",", "tokens");

    /** A hold's line, without its newline; its {@code ts} in milliseconds, as the usage log's. */
    private static void write(JsonLine out, Hold h) {
        out.raw(F_HOLD);
        out.string(h.id());
        out.raw(F_TS);
        out.ts(h.ts());
        out.raw(F_KEY);
        out.string(h.key());
        out.raw(F_ENDPOINT);
        out.string(h.endpoint());
        out.raw(F_MODEL);
        out.string(h.model());
        out.raw(F_PRICED_AS);
        out.string(h.pricedAs());
        out.raw(F_STREAM);
        out.bool(h.stream());
        out.raw(F_USER);
        out.string(h.user());
        out.raw(F_TAGS);
        out.tags(h.tags());
        out.raw(F_USD);
        out.decimal(h.usd());
        out.raw(F_TOKENS);
        out.number(h.tokens());
        out.put('}');
    }

    /** The holds in {@code dir}'s journal that never ended, in the order they were written; lines that do not parse are skipped. */
    public static List<Hold> openHolds(Path dir) throws IOException {
        Map<String, Hold> holds = new LinkedHashMap<>();
        try (BufferedReader r = Files.newBufferedReader(dir.resolve(FILE_NAME), StandardCharsets.UTF_8)) {
            String line;
            while ((line = r.readLine()) != null) {
                JsonNode n;
                try {
                    n = JSON.readTree(line);
                } catch (IOException torn) {
                    continue; // the last line of a killed process may be cut short
                }
                if (n == null || !n.isObject()) {
                    continue;
                }
                JsonNode end = n.get("end");
                if (end != null && end.isArray()) {
                    end.forEach(id -> holds.remove(id.asText()));
                } else if (end != null && !end.isNull()) {
                    // one hold's end per line, as tollgate wrote them before a batch's ends shared one line
                    holds.remove(end.asText());
                } else if (n.hasNonNull("hold")) {
                    Hold h = parse(n);
                    if (h != null) {
                        holds.put(h.id(), h);
                    }
                }
            }
        } catch (NoSuchFileException none) {
            return List.of();
        }
        return new ArrayList<>(holds.values());
    }

    private static @Nullable Hold parse(JsonNode n) {
        try {
            Map<String, String> tags = new LinkedHashMap<>();
            JsonNode t = n.get("tags");
            if (t != null && t.isObject()) {
                t.fields().forEachRemaining(e -> tags.put(e.getKey(), e.getValue().asText()));
            }
            return new Hold(n.get("hold").asText(), Instant.parse(n.get("ts").asText()), n.get("key").asText(),
                    n.get("endpoint").asText(), text(n, "model"), text(n, "priced_as"), n.path("stream").asBoolean(),
                    text(n, "user"), tags, n.get("usd").decimalValue(), n.get("tokens").asLong());
        } catch (RuntimeException malformed) {
            return null;
        }
    }

    private static @Nullable String text(JsonNode n, String field) {
        JsonNode v = n.get(field);
        return v == null || v.isNull() ? null : v.asText();
    }

    /** The request ids of {@code open}'s restart records already in the log (from the first hold's day on). */
    private static Set<String> restartRecordsWritten(Path dir, List<Hold> open, Instant now) throws IOException {
        Set<String> ids = new HashSet<>();
        Instant first = now;
        for (Hold h : open) {
            ids.add(RESTARTED_ID + h.id());
            first = h.ts().isBefore(first) ? h.ts() : first;
        }
        Set<String> found = new HashSet<>();
        new UsageLogReader(dir).read(LocalDate.ofInstant(first, ZoneOffset.UTC), LocalDate.ofInstant(now, ZoneOffset.UTC),
                line -> {
                    String id = line.requestId();
                    if (id != null && ids.contains(id)) {
                        found.add(id);
                    }
                });
        return found;
    }

    /** The usage record a hold becomes when its process died with the call in flight: charged at its worst case. */
    public static UsageRecord restartedRecord(Hold h, Instant now) {
        return new UsageRecord(now, RESTARTED_ID + h.id(), h.key(), h.endpoint(), h.model(), h.pricedAs(), h.stream(),
                0, 0, 0, h.tokens(), 0, h.tokens(), true, h.usd(), 0, 0, h.user(), h.tags(), RESTARTED);
    }

    /**
     * Start-up, before anything reads the log: every hold of {@code dir}'s journal that never ended becomes a usage
     * record charged at its worst case, written and forced with the log's own file code; then the journal is
     * removed. A hold whose record an earlier start wrote before it was killed (the journal not removed yet) is not
     * written again: the days since the first open hold are read for those records. Blocking file I/O.
     *
     * @return the holds charged (for a store that is not rebuilt from the log, e.g. Redis, to charge as well: that
     *         happens only after the journal is removed, so an earlier start that wrote records did not)
     */
    public static List<Hold> recover(Path dir, Instant now) throws IOException {
        List<Hold> open = openHolds(dir);
        if (!open.isEmpty()) {
            Set<String> written = restartRecordsWritten(dir, open, now);
            UsageLogFile file = new UsageLogFile(dir, true);
            try {
                Map<LocalDate, StringBuilder> byDay = new LinkedHashMap<>();
                for (Hold h : open) {
                    UsageRecord r = restartedRecord(h, now);
                    if (written.contains(r.requestId())) {
                        continue;
                    }
                    byDay.computeIfAbsent(LocalDate.ofInstant(r.ts(), ZoneOffset.UTC), d -> new StringBuilder())
                            .append(UsageRecordJson.toJson(r)).append('\n');
                }
                for (Map.Entry<LocalDate, StringBuilder> e : byDay.entrySet()) {
                    file.write(e.getKey(), ByteBuffer.wrap(e.getValue().toString().getBytes(StandardCharsets.UTF_8)));
                }
                file.force();
            } finally {
                file.close();
            }
        }
        Files.deleteIfExists(dir.resolve(FILE_NAME));
        // a compaction's new file, left by a crash before it was moved over the journal
        Files.deleteIfExists(AtomicFiles.tmpOf(dir.resolve(FILE_NAME)));
        return open;
    }
}
