package tollgate.metering.report;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import tollgate.metering.report.StatsReport.GroupRow;
import tollgate.metering.report.StatsReport.Projection;
import tollgate.metering.report.StatsReport.SeriesPoint;
import tollgate.metering.report.StatsReport.Suggestion;
import tollgate.metering.report.StatsReport.Summary;
import tollgate.metering.usage.UnitCounts;

/** Renders a report for a terminal: totals, then aligned columns with thousands separators and dollar amounts. */
final class StatsTableFormatter {
    private static final int WRAP = 100;
    private static final String INDENT = "  ";
    /** A UTC time to the second, as tables show {@code ts}. */
    static final DateTimeFormatter TIME =
            DateTimeFormatter.ofPattern("uuuu-MM-dd HH:mm:ss", Locale.ROOT).withZone(ZoneOffset.UTC);
    /** Group rows shown per grouping; the rest are summed on one line (every row is in JSON, YAML and CSV). */
    static final int MAX_TABLE_ROWS = 10;

    private StatsTableFormatter() {
    }

    static String format(StatsReport r) {
        StringBuilder out = new StringBuilder();
        out.append("Usage ").append(r.from()).append(" to ").append(r.to()).append(" (UTC), by ")
                .append(r.period().id()).append("; ").append(r.filters().describe()).append("\n\n");
        summary(out, r.summary(), r.projection(), r.skippedLines());

        out.append('\n');
        columns(out, new String[] {r.period().id().toUpperCase(Locale.ROOT), "REQUESTS", "TOKENS", "COST"},
                series(r));

        for (Map.Entry<String, List<GroupRow>> e : r.groups().entrySet()) {
            List<String[]> rows = new ArrayList<>();
            List<GroupRow> all = e.getValue();
            // a tag (a session, a job) reads as a run: when it began and how long it lasted
            boolean sessions = e.getKey().startsWith("tag:");
            for (GroupRow g : all.subList(0, Math.min(all.size(), MAX_TABLE_ROWS))) {
                List<String> cells = new ArrayList<>(List.of(g.name(), Amounts.count(g.requests()),
                        Amounts.count(g.inputTokens()), Amounts.count(g.outputTokens()), Amounts.usd(g.totalCostUsd()),
                        Amounts.percent(g.costShare()), Amounts.count(g.avgTokensPerRequest()),
                        Amounts.count(g.errorRequests()), millis(g.p50DurationMs()), millis(g.p95DurationMs()),
                        Amounts.percent(g.cacheHitRate())));
                if (sessions) {
                    cells.add(g.firstTs() == null ? "-" : TIME.format(g.firstTs()));
                    cells.add(g.firstTs() == null ? "-" : span(Duration.between(g.firstTs(), g.lastTs())));
                }
                rows.add(cells.toArray(String[]::new));
            }
            out.append('\n');
            List<String> header = new ArrayList<>(List.of("BY " + e.getKey().toUpperCase(Locale.ROOT), "REQUESTS", "IN",
                    "OUT", "COST", "SHARE", "TOK/CALL", "ERRORS", "P50", "P95", "CACHED"));
            if (sessions) {
                header.addAll(List.of("FIRST (UTC)", "SPAN"));
            }
            columns(out, header.toArray(String[]::new), rows);
            if (all.size() > MAX_TABLE_ROWS) {
                List<GroupRow> rest = all.subList(MAX_TABLE_ROWS, all.size());
                long calls = 0;
                BigDecimal cost = BigDecimal.ZERO;
                for (GroupRow g : rest) {
                    calls += g.requests();
                    cost = cost.add(g.totalCostUsd());
                }
                out.append(INDENT).append("… ").append(rest.size()).append(" more: ").append(Amounts.calls(calls))
                        .append(", ").append(Amounts.usd(cost)).append(" (all rows in --format json, yaml or csv)\n");
            }
        }
        if (r.whatIf() != null) {
            whatIf(out, r.whatIf());
        }
        if (r.warnings() != null) {
            out.append('\n').append(INDENT).append("WARNINGS").append(r.warnings().isEmpty() ? ": none\n" : "\n");
            int n = 1;
            for (StatsReport.Warning w : r.warnings()) {
                out.append(INDENT).append(n++).append(". ").append(w.title()).append('\n');
                wrap(out, w.detail(), INDENT + "   ");
            }
        }
        if (!r.suggestions().isEmpty()) {
            out.append("\n").append(INDENT).append("SUGGESTIONS\n");
            int n = 1;
            for (Suggestion s : r.suggestions()) {
                out.append(INDENT).append(n++).append(". ").append(s.title());
                if (s.potentialSavingsUsd() != null) {
                    out.append(" — saves up to ").append(Amounts.usd(s.potentialSavingsUsd()));
                }
                out.append('\n');
                wrap(out, s.detail(), INDENT + "   ");
                wrap(out, "→ " + s.action(), INDENT + "   ");
            }
        }
        return out.toString();
    }

    private static void summary(StringBuilder out, Summary s, Projection p, long skipped) {
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"Requests", Amounts.count(s.requests()), "estimated " + Amounts.count(s.estimatedRequests())
                + ", failed " + Amounts.count(s.errorRequests()) + ", unpriced " + Amounts.count(s.unpricedRequests())});
        rows.add(new String[] {"Input tokens", Amounts.count(s.inputTokens()),
                "cached " + Amounts.count(s.cachedInputTokens())});
        rows.add(new String[] {"Output tokens", Amounts.count(s.outputTokens()),
                "reasoning " + Amounts.count(s.reasoningTokens())});
        rows.add(new String[] {"Total tokens", Amounts.count(s.totalTokens()), ""});
        List<Number> units = s.units().values();
        for (int i = 0; i < units.size(); i++) {
            // SPEC 12's units show only when a call had some: most logs are text only
            Number n = units.get(i);
            String shown = n instanceof BigDecimal d ? Amounts.count(d) : Amounts.count(n.longValue());
            if (n instanceof BigDecimal d ? d.signum() != 0 : n.longValue() != 0) {
                rows.add(new String[] {UnitCounts.NAMES.get(i).replace('_', ' '), shown, ""});
            }
        }
        rows.add(new String[] {"Cost", Amounts.usd(s.totalCostUsd()), ""});
        rows.add(new String[] {"Per request", Amounts.usd(s.avgCostPerRequestUsd()),
                Amounts.count(s.avgTokensPerRequest()) + " tokens"});
        rows.add(new String[] {"Daily average", Amounts.usd(p.dailyAverageUsd()), "over " + p.basis()});
        rows.add(new String[] {"Month-end", Amounts.usd(p.monthEndUsd()), "projected: "
                + Amounts.usd(p.monthToDateUsd()) + " so far this month + " + Amounts.usd(p.dailyAverageUsd())
                + " × " + p.daysLeftInMonth() + " days left"});
        if (skipped > 0) {
            rows.add(new String[] {"Skipped lines", Amounts.count(skipped), "unreadable log lines"});
        }
        int label = 0;
        int value = 0;
        for (String[] row : rows) {
            label = Math.max(label, row[0].length());
            value = Math.max(value, row[1].length());
        }
        for (String[] row : rows) {
            String line = INDENT + pad(row[0], label, false) + "  " + pad(row[1], value, true)
                    + (row[2].isEmpty() ? "" : "   " + row[2]);
            out.append(line).append('\n');
        }
    }

    private static void whatIf(StringBuilder out, WhatIf.Result w) {
        out.append('\n').append(INDENT).append("WHAT IF: ").append(Amounts.calls(w.requests())).append(" with a price, ")
                .append(Amounts.count(w.inputTokens())).append(" input tokens (")
                .append(Amounts.count(w.cachedInputTokens())).append(" cached), ")
                .append(Amounts.count(w.outputTokens())).append(" output, logged at ")
                .append(Amounts.usd(w.loggedCostUsd())).append('\n');
        List<String[]> rows = new ArrayList<>();
        for (WhatIf.Row row : w.models()) {
            rows.add(whatIfCells(row));
        }
        if (!rows.isEmpty()) {
            columns(out, new String[] {"AT MODEL", "COST", "DIFFERENCE"}, rows);
        }
        if (w.repriced() != null) {
            WhatIf.Repriced p = w.repriced();
            rows = new ArrayList<>();
            for (WhatIf.Row row : p.models()) {
                rows.add(whatIfCells(row));
            }
            rows.add(new String[] {"total", Amounts.usd(p.costUsd()), signed(p.differenceUsd())});
            out.append(INDENT).append("With ").append(p.file()).append(p.unpricedRequests() == 0 ? ""
                    : " (" + Amounts.calls(p.unpricedRequests()) + " still unpriced)").append(":\n");
            columns(out, new String[] {"MODEL", "COST", "DIFFERENCE"}, rows);
        }
    }

    private static String[] whatIfCells(WhatIf.Row row) {
        return new String[] {row.model(), row.costUsd() == null ? "cannot tell" : Amounts.usd(row.costUsd()),
                row.differenceUsd() == null ? "" : signed(row.differenceUsd())};
    }

    private static String signed(BigDecimal v) {
        return v.signum() > 0 ? "+" + Amounts.usd(v) : Amounts.usd(v);
    }

    /** The series rows, each run of buckets without calls folded into one line. */
    private static List<String[]> series(StatsReport r) {
        List<String[]> rows = new ArrayList<>();
        int empty = 0;
        for (SeriesPoint p : r.series()) {
            if (p.requests() == 0) {
                empty++;
                continue;
            }
            fold(rows, empty, r.period());
            empty = 0;
            rows.add(new String[] {p.start().toString(), Amounts.count(p.requests()), Amounts.count(p.totalTokens()),
                    Amounts.usd(p.totalCostUsd())});
        }
        fold(rows, empty, r.period());
        return rows;
    }

    private static void fold(List<String[]> rows, int empty, ReportPeriod period) {
        if (empty > 0) {
            rows.add(new String[] {"… " + empty + " " + period.id() + (empty == 1 ? "" : "s") + " without calls …"});
        }
    }

    /** {@code 2h 05m}, {@code 3m 20s}, {@code 12s}: first call to last. */
    private static String span(Duration d) {
        long s = d.toSeconds();
        if (s >= 3600) {
            return String.format(Locale.ROOT, "%dh %02dm", s / 3600, s % 3600 / 60);
        }
        return s >= 60 ? String.format(Locale.ROOT, "%dm %02ds", s / 60, s % 60) : s + "s";
    }

    /** {@code 840 ms}, {@code 1.5 s}: a duration bucket's bound; blank for none. */
    private static String millis(long ms) {
        if (ms == 0) {
            return "-";
        }
        return ms < 1000 ? ms + " ms" : Amounts.count(BigDecimal.valueOf(ms, 3)) + " s";
    }

    static void columns(StringBuilder out, String[] header, List<String[]> rows) {
        int[] width = new int[header.length];
        for (int i = 0; i < header.length; i++) {
            width[i] = header[i].length();
        }
        for (String[] row : rows) {
            for (int i = 0; row.length > 1 && i < row.length; i++) {
                width[i] = Math.max(width[i], row[i].length());
            }
        }
        line(out, header, width);
        for (String[] row : rows) {
            if (row.length == 1) {
                // a note across the columns (folded empty buckets) does not widen the first one
                out.append(INDENT).append(row[0]).append('\n');
            } else {
                line(out, row, width);
            }
        }
    }

    private static void line(StringBuilder out, String[] cells, int[] width) {
        StringBuilder line = new StringBuilder(INDENT);
        for (int i = 0; i < cells.length; i++) {
            if (i > 0) {
                line.append("  ");
            }
            line.append(pad(cells[i], width[i], i > 0));
        }
        out.append(line.toString().stripTrailing()).append('\n');
    }

    private static String pad(String s, int width, boolean right) {
        String space = " ".repeat(Math.max(0, width - s.length()));
        return right ? space + s : s + space;
    }

    private static void wrap(StringBuilder out, String text, String indent) {
        StringBuilder line = new StringBuilder(indent);
        for (String word : text.split(" ")) {
            if (line.length() > indent.length() && line.length() + 1 + word.length() > WRAP) {
                out.append(line).append('\n');
                line.setLength(0);
                line.append(indent);
            }
            if (line.length() > indent.length()) {
                line.append(' ');
            }
            line.append(word);
        }
        out.append(line).append('\n');
    }
}
