package tollgate.metering.report;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import tollgate.metering.report.StatsReport.GroupRow;
import tollgate.metering.report.StatsReport.Projection;
import tollgate.metering.report.StatsReport.SeriesPoint;
import tollgate.metering.report.StatsReport.Suggestion;
import tollgate.metering.report.StatsReport.Summary;

/** Renders a report for a terminal: totals, then aligned columns with thousands separators and dollar amounts. */
final class StatsTableFormatter {
    private static final int WRAP = 100;
    private static final String INDENT = "  ";

    private StatsTableFormatter() {
    }

    static String format(StatsReport r) {
        StringBuilder out = new StringBuilder();
        out.append("Usage ").append(r.from()).append(" to ").append(r.to()).append(" (UTC), by ")
                .append(r.period().id()).append("\n\n");
        summary(out, r.summary(), r.projection(), r.skippedLines());

        List<String[]> series = new ArrayList<>();
        for (SeriesPoint p : r.series()) {
            series.add(new String[] {p.start().toString(), Amounts.count(p.requests()), Amounts.count(p.totalTokens()),
                    Amounts.usd(p.totalCostUsd())});
        }
        out.append('\n');
        columns(out, new String[] {r.period().id().toUpperCase(Locale.ROOT), "REQUESTS", "TOKENS", "COST"}, series);

        for (Map.Entry<String, List<GroupRow>> e : r.groups().entrySet()) {
            List<String[]> rows = new ArrayList<>();
            for (GroupRow g : e.getValue()) {
                rows.add(new String[] {g.name(), Amounts.count(g.requests()), Amounts.count(g.totalTokens()),
                        Amounts.usd(g.totalCostUsd()), Amounts.percent(g.costShare())});
            }
            out.append('\n');
            columns(out, new String[] {"BY " + e.getKey().toUpperCase(Locale.ROOT), "REQUESTS", "TOKENS", "COST",
                    "SHARE"}, rows);
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

    private static void columns(StringBuilder out, String[] header, List<String[]> rows) {
        int[] width = new int[header.length];
        for (int i = 0; i < header.length; i++) {
            width[i] = header[i].length();
        }
        for (String[] row : rows) {
            for (int i = 0; i < row.length; i++) {
                width[i] = Math.max(width[i], row[i].length());
            }
        }
        line(out, header, width);
        for (String[] row : rows) {
            line(out, row, width);
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
