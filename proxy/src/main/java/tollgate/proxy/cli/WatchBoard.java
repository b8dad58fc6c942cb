package tollgate.proxy.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigDecimal;
import tollgate.metering.report.Amounts;
import java.math.MathContext;
import java.math.RoundingMode;
import java.text.DecimalFormat;
import java.text.DecimalFormatSymbols;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * What {@code tollgate watch} shows: the newest calls, today's totals and the budgets nearest their limit, as a
 * full screen for a terminal or as one line per call for a pipe. Figures are the admin API's decimals, formatted,
 * never recomputed.
 */
final class WatchBoard {
    static final int MAX_CALLS = 200;
    static final int NEAREST_BUDGETS = 5;
    private static final BigDecimal ALERT_FRACTION = new BigDecimal("0.8");
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss", Locale.ROOT);
    private static final String BOLD = "\u001b[1m";
    private static final String DIM = "\u001b[2m";
    private static final String RED = "\u001b[31m";
    private static final String YELLOW = "\u001b[33m";
    private static final String RESET = "\u001b[0m";

    private final String source;
    private final ZoneId zone;
    private final ArrayDeque<JsonNode> calls = new ArrayDeque<>();
    private @Nullable JsonNode today;
    private List<JsonNode> budgets = List.of();
    private String status = "connecting";

    WatchBoard(String source, ZoneId zone) {
        this.source = source;
        this.zone = zone;
    }

    synchronized void add(JsonNode record) {
        if (calls.size() == MAX_CALLS) {
            calls.removeLast();
        }
        calls.addFirst(record);
    }

    /** Sets today's {@code summary}; true when it changed. */
    synchronized boolean today(JsonNode summary) {
        boolean changed = !summary.equals(today);
        today = summary;
        return changed;
    }

    /** Keeps the rows nearest their limit (spent + reserved over limit), highest first; true when they changed. */
    synchronized boolean budgets(List<JsonNode> rows) {
        List<JsonNode> near = new ArrayList<>(rows);
        near.removeIf(r -> used(r) == null);
        near.sort(Comparator.comparing(WatchBoard::used, Comparator.nullsLast(Comparator.reverseOrder())));
        List<JsonNode> top = List.copyOf(near.subList(0, Math.min(NEAREST_BUDGETS, near.size())));
        boolean changed = !top.equals(budgets);
        budgets = top;
        return changed;
    }

    synchronized void status(String status) {
        this.status = status;
    }

    synchronized String status() {
        return status;
    }

    /**
     * The whole screen for a terminal of {@code rows} × {@code columns}: one line fewer than the rows (a newline on
     * the last row would scroll), each cut to the width and cleared to its end, then the rest cleared.
     */
    synchronized String screen(int rows, int columns) {
        List<String[]> lines = new ArrayList<>();
        lines.add(new String[] {BOLD, "tollgate watch  " + source + "  " + status});
        lines.add(new String[] {"", ""});
        lines.add(new String[] {"", "today (UTC)  " + totals()});
        lines.add(new String[] {"", ""});
        lines.add(new String[] {BOLD, "budgets nearest their limit"});
        if (budgets.isEmpty()) {
            lines.add(new String[] {DIM, "  none configured"});
        }
        for (JsonNode b : budgets) {
            BigDecimal u = used(b);
            lines.add(new String[] {u != null && u.compareTo(ALERT_FRACTION) >= 0 ? YELLOW : "", "  " + budget(b)});
        }
        lines.add(new String[] {"", ""});
        lines.add(new String[] {BOLD, "calls, newest first"});
        for (Iterator<JsonNode> it = calls.iterator(); it.hasNext() && lines.size() < rows - 1; ) {
            JsonNode r = it.next();
            boolean failed = !r.path("error").isNull() && !r.path("error").isMissingNode();
            lines.add(new String[] {failed ? RED : "", "  " + call(r, false)});
        }
        StringBuilder s = new StringBuilder("\u001b[H");
        for (String[] line : lines.subList(0, Math.min(lines.size(), rows - 1))) {
            // one column short of the width: a full line would leave some terminals about to wrap
            String text = line[1].length() >= columns ? line[1].substring(0, Math.max(0, columns - 2)) + "…" : line[1];
            s.append(line[0]).append(text).append(line[0].isEmpty() ? "" : RESET).append("\u001b[K\n");
        }
        return s.append("\u001b[J").toString();
    }

    /** Today's totals in one line. */
    synchronized String totals() {
        JsonNode t = today;
        if (t == null) {
            return "…";
        }
        return count(t.path("requests")) + (t.path("requests").asLong() == 1 ? " call · " : " calls · ")
                + usd(t.path("total_cost_usd")) + " · " + count(t.path("total_tokens")) + " tokens (in "
                + count(t.path("input_tokens")) + " · cached " + count(t.path("cached_input_tokens")) + " · out "
                + count(t.path("output_tokens")) + " · reasoning " + count(t.path("reasoning_tokens")) + ") · "
                + count(t.path("estimated_requests")) + " estimated · "
                + count(t.path("error_requests")) + " failed";
    }

    /** The budgets block as plain lines (for a pipe), or empty when no budget is configured. */
    synchronized List<String> budgetLines() {
        return budgets.stream().map(b -> "budget " + budget(b)).toList();
    }

    /** One call: time, key, model, endpoint, tokens, cost, and its marks. */
    String call(JsonNode r, boolean fullTime) {
        String ts = r.path("ts").asText();
        String time = fullTime ? ts : TIME.format(Instant.parse(ts).atZone(zone));
        StringBuilder s = new StringBuilder(time).append("  ").append(r.path("key").asText())
                .append("  ").append(r.path("model").isNull() ? "-" : r.path("model").asText())
                .append("  ").append(r.path("cost_usd").isNull() ? "unpriced" : usd(r.path("cost_usd")));
        if (r.path("estimated").asBoolean()) {
            s.append("  [estimated]");
        }
        if (!r.path("error").isNull() && !r.path("error").isMissingNode()) {
            s.append("  [error ").append(r.path("error").asText()).append(']');
        }
        s.append("  in ").append(count(r.path("input_tokens")));
        if (r.path("cached_input_tokens").asLong() > 0) {
            s.append(" (cached ").append(count(r.path("cached_input_tokens"))).append(')');
        }
        s.append("  out ").append(count(r.path("output_tokens")));
        if (r.path("reasoning_tokens").asLong() > 0) {
            s.append(" (reasoning ").append(count(r.path("reasoning_tokens"))).append(')');
        }
        return s.append("  ").append(r.path("duration_ms").asLong()).append(" ms  ").append(r.path("endpoint").asText()).toString();
    }

    /** A key's id; for the other scopes (SPEC 11) the scope and member: {@code user 123}, {@code global}. */
    private static String who(JsonNode b) {
        if (b.path("key").isTextual()) {
            return b.path("key").asText();
        }
        String scope = b.path("scope").asText();
        return scope.equals("global") ? scope : scope + " " + b.path("name").asText();
    }

    private String budget(JsonNode b) {
        boolean usd = !b.path("limit_usd").isNull();
        BigDecimal u = used(b);
        String pct = u == null ? "" : u.movePointRight(2).setScale(0, RoundingMode.DOWN).toPlainString() + "%";
        String reset = b.path("resets_at").isTextual()
                ? "resets " + DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm", Locale.ROOT).format(Instant.parse(b.path("resets_at").asText()).atZone(zone))
                : "no reset";
        return String.format(Locale.ROOT, "%-16s %-8s %4s  %s of %s  (reserved %s, left %s)  %s",
                who(b), b.path("window").asText(), pct,
                usd ? usd(b.path("spent_usd")) : count(b.path("spent_tokens")) + " tokens",
                usd ? usd(b.path("limit_usd")) : count(b.path("limit_tokens")) + " tokens",
                usd ? usd(b.path("reserved_usd")) : count(b.path("reserved_tokens")),
                usd ? usd(b.path("remaining_usd")) : count(b.path("remaining_tokens")), reset);
    }

    /** (spent + reserved) / limit, exact; null for a row without a limit. */
    static @Nullable BigDecimal used(JsonNode b) {
        boolean usd = !b.path("limit_usd").isNull() && !b.path("limit_usd").isMissingNode();
        JsonNode limit = usd ? b.path("limit_usd") : b.path("limit_tokens");
        if (!limit.isNumber() || limit.decimalValue().signum() <= 0) {
            return null;
        }
        BigDecimal spent = b.path(usd ? "spent_usd" : "spent_tokens").decimalValue()
                .add(b.path(usd ? "reserved_usd" : "reserved_tokens").decimalValue());
        return spent.divide(limit.decimalValue(), MathContext.DECIMAL64);
    }

    /** As the stats table writes money ({@link Amounts#usd}): {@code $1,234.50}, {@code $0.0002775}. */
    static String usd(JsonNode n) {
        return Amounts.usd(n.decimalValue());
    }

    static String count(JsonNode n) {
        DecimalFormat f = new DecimalFormat("#,##0", DecimalFormatSymbols.getInstance(Locale.ROOT));
        f.setMaximumFractionDigits(Math.max(0, n.decimalValue().stripTrailingZeros().scale()));
        return f.format(n.decimalValue());
    }
}
