package tollgate.metering.report;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tollgate.metering.report.StatsReport.Warning;

/**
 * {@code alerts.warnings}: today's {@link SpendWarnings} (UTC), each sent once per rule, subject and day as a JSON
 * event to the alert webhook. {@link #run} is called on a scheduled thread of its own, never on the request path:
 * it reads today's log and the 7 days before it.
 *
 * <pre>
 * {"type":"spend_warning","kind":"day_spend_spike","scope":"key","subject":"storybot","day":"2026-12-03",
 *  "value":12.5,"threshold":3,"title":"key storybot spent $12.50 on 2026-12-03, 12.5× its usual day",
 *  "detail":"key storybot: $12.50 on 2026-12-03 > 3 × the median $1.00 of the 7 days before (…)",
 *  "ts":"2026-12-03T10:05:00Z"}
 * </pre>
 * ({@code subject} is a key id, a user or a model, never a key.) What was sent is remembered for the day in memory:
 * a restart may send a warning of the day once more.
 */
public final class WarningEvents {
    /** Where the events go: the budget alert webhook's queue ({@code BudgetAlertWebhook#offer(byte[], String)}). */
    @FunctionalInterface
    public interface Sink {
        boolean offer(byte[] body, String about);
    }

    /** Warnings remembered per day; past it, new ones of the day are not sent (user ids come from client headers). */
    static final int MAX_SENT_PER_DAY = 10_000;

    private static final Logger log = LoggerFactory.getLogger(WarningEvents.class);
    private static final JsonFactory JSON = new JsonFactory();

    private final Path logDir;
    private final CellSource calls;
    private final Sink sink;
    private final Clock clock;
    private final Set<String> sent = new HashSet<>();
    private LocalDate sentOn = LocalDate.MIN;

    /** @param calls today's calls, counted for the top 0.1 % (the live aggregates) */
    public WarningEvents(Path logDir, CellSource calls, Sink sink, Clock clock) {
        this.logDir = logDir;
        this.calls = calls;
        this.sink = sink;
        this.clock = clock;
    }

    /** Scans today once and offers each warning not sent yet today; returns how many were offered. */
    public synchronized int run() {
        Instant now = clock.instant();
        LocalDate today = LocalDate.ofInstant(now, ZoneOffset.UTC);
        if (!today.equals(sentOn)) {
            sent.clear();
            sentOn = today;
        }
        StatsQuery q = new StatsQuery(today, today, ReportPeriod.DAY, List.of(), StatsFilter.NONE, false);
        long[] n = new long[1];
        calls.forEachCell(today, today, (day, key, tally) -> n[0] += tally.requests());
        List<Warning> found;
        try {
            found = SpendWarnings.scan(logDir, q, n[0]);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        int offered = 0;
        for (Warning w : found) {
            String id = w.rule() + '\u0000' + w.scope() + '\u0000' + w.subject();
            if (sent.contains(id)) {
                continue;
            }
            if (sent.size() >= MAX_SENT_PER_DAY) {
                log.warn("spend warnings: {} sent today already; no more until tomorrow (UTC)", MAX_SENT_PER_DAY);
                break;
            }
            sent.add(id);
            if (sink.offer(body(w, today, now), "spend warning " + w.rule() + " for " + w.scope() + " '" + w.subject() + "'")) {
                offered++;
            }
        }
        return offered;
    }

    static byte[] body(Warning w, LocalDate today, Instant now) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(512);
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.writeStartObject();
            g.writeStringField("type", "spend_warning");
            g.writeStringField("kind", w.rule());
            g.writeStringField("scope", w.scope());
            g.writeStringField("subject", w.subject());
            g.writeStringField("day", (w.day() == null ? today : w.day()).toString());
            g.writeFieldName("value");
            g.writeNumber(w.value().toPlainString());
            g.writeFieldName("threshold");
            g.writeNumber(w.threshold().toPlainString());
            g.writeStringField("title", w.title());
            g.writeStringField("detail", w.detail());
            g.writeStringField("ts", now.toString());
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }
}
