package tollgate.metering.report;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import tollgate.metering.log.UsageLogFiles;
import tollgate.metering.log.UsageLogReader;
import tollgate.metering.pricing.PricedModel;
import tollgate.metering.pricing.PricingException;
import tollgate.metering.pricing.PricingTable;

/**
 * Runs {@code tollgate stats} from already-parsed options: reads the log, computes the report, renders it to
 * standard output or to the export file, and applies the CI gate. The picocli command only prints the outcome
 * and exits with its code.
 */
public final class StatsCommandRunner {
    public static final int OK = 0;
    public static final int IO_FAILURE = 1;
    /** A bad option value (SPEC 1). */
    public static final int BAD_USAGE = 2;
    /** {@code --fail-above-usd} passed (SPEC 8). */
    public static final int ABOVE_LIMIT = 3;

    /** What the command prints and its exit code. */
    public record Outcome(int exitCode, String stdout, String stderr) {
    }

    private final StatsContext context;
    private final int readerThreads;

    /** @param readerThreads log files read at once (at least 1) */
    public StatsCommandRunner(StatsContext context, int readerThreads) {
        if (readerThreads < 1) {
            throw new IllegalArgumentException("readerThreads: " + readerThreads + " (expected: >= 1)");
        }
        this.context = context;
        this.readerThreads = readerThreads;
    }

    public Outcome run(StatsOptions o) {
        return run(o, null);
    }

    /**
     * The report from {@code fleet}'s cells ({@code stats --store}: every replica's calls, from the database) instead
     * of the usage log; null reads the log.
     */
    public Outcome run(StatsOptions o, @Nullable CellSource fleet) {
        StatsQuery query;
        ReportFormat format;
        WhatIf whatIf;
        try {
            query = query(o);
            format = format(o);
            if (o.failAboveUsd() != null && o.failAboveUsd().signum() < 0) {
                throw new IllegalArgumentException("--fail-above-usd: " + o.failAboveUsd().toPlainString()
                        + " (expected: >= 0)");
            }
            if (o.minSavingsUsd() != null) {
                if (o.minSavingsUsd().signum() < 0) {
                    throw new IllegalArgumentException("--min-savings: " + o.minSavingsUsd().toPlainString()
                            + " (expected: an amount in USD, >= 0)");
                }
                query = query.withMinSavings(o.minSavingsUsd());
            }
            if (o.export() != null) {
                checkWritable(o.export());
            }
            if (format == ReportFormat.FOCUS) {
                refuseWithFocus(o);
            }
            whatIf = whatIf(o);
        } catch (IllegalArgumentException e) {
            return new Outcome(BAD_USAGE, "", "tollgate stats: " + e.getMessage() + "\n");
        }
        if (fleet != null) {
            if (o.warnings() || format == ReportFormat.FOCUS) {
                return new Outcome(BAD_USAGE, "", "tollgate stats: " + (o.warnings() ? "--warnings" : "--format focus")
                        + ": reads the calls of the usage log (expected: without --store)\n");
            }
            try {
                return finish(o, query, format, rendered(o, StatsCalculator.compute(query, fleet,
                        context.withWhatIf(whatIf)), format), null);
            } catch (UncheckedIOException e) {
                return new Outcome(IO_FAILURE, "", "tollgate stats: " + e.getMessage() + "\n");
            }
        }
        if (!Files.isDirectory(o.logDir())) {
            return new Outcome(BAD_USAGE, "", "tollgate stats: --log-dir (or TOLLGATE_LOG_DIR, log.dir): " + o.logDir()
                    + " (expected: the folder holding usage-YYYY-MM-DD.jsonl files)\n");
        }
        List<UsageLogFiles.DayFile> logged;
        try {
            logged = UsageLogFiles.list(o.logDir(), LocalDate.MIN, LocalDate.MAX);
        } catch (IOException e) {
            return new Outcome(IO_FAILURE, "", "tollgate stats: --log-dir: " + o.logDir() + ": " + e + "\n");
        }
        if (logged.isEmpty() && format == ReportFormat.TABLE) {
            // an all-zero table would read as "nothing was spent"; the likelier story is the wrong folder
            return new Outcome(OK, "No usage log in " + o.logDir() + " yet: no usage-YYYY-MM-DD.jsonl files. "
                    + "Is it the folder serve writes to (--log-dir, TOLLGATE_LOG_DIR, log.dir)? Calls through the proxy "
                    + "appear there as they end.\n", "");
        }
        Rendered out;
        try {
            out = format == ReportFormat.FOCUS ? focus(o, query) : report(o, query, whatIf, format);
        } catch (UncheckedIOException e) {
            return new Outcome(IO_FAILURE, "", "tollgate stats: " + e.getMessage() + ": " + e.getCause() + "\n");
        } catch (IOException e) {
            return new Outcome(IO_FAILURE, "", "tollgate stats: reading " + o.logDir()
                    + (format == ReportFormat.FOCUS ? "" : " for --warnings") + ": " + e + "\n");
        }
        return finish(o, query, format, out, logged);
    }

    /** Exports, reports and gates the rendered report; {@code logged} is null when it was not read from the log. */
    private Outcome finish(StatsOptions o, StatsQuery query, ReportFormat format, Rendered out,
                           @Nullable List<UsageLogFiles.DayFile> logged) {
        String rendered = out.text();
        String stdout = rendered;
        StringBuilder stderr = new StringBuilder();
        if (logged == null) {
            if (out.requests() == 0) {
                stderr.append("tollgate stats: no calls from ").append(query.from()).append(" to ").append(query.to())
                        .append(" in log.store\n");
            }
        } else if (logged.isEmpty()) {
            stderr.append("tollgate stats: no usage-YYYY-MM-DD.jsonl files in ").append(o.logDir()).append('\n');
        } else if (out.requests() == 0) {
            stderr.append("tollgate stats: no calls from ").append(query.from()).append(" to ").append(query.to())
                    .append(query.filter().isEmpty() ? "" : " for " + query.filter().describe())
                    .append("; the log holds ").append(logged.get(0).date()).append(" to ")
                    .append(logged.get(logged.size() - 1).date()).append('\n');
        }
        if (out.skippedLines() > 0) {
            stderr.append("tollgate stats: skipped ").append(out.skippedLines())
                    .append(" malformed log line(s)\n");
        }
        if (o.export() != null) {
            try {
                Files.writeString(o.export(), rendered, StandardCharsets.UTF_8);
            } catch (IOException e) {
                return new Outcome(BAD_USAGE, "", "tollgate stats: " + unwritable(o.export(), e) + "\n");
            }
            stdout = "wrote " + format.id() + " report (" + out.requests() + " requests, "
                    + Amounts.usd(out.totalCostUsd()) + ") to " + o.export() + "\n";
        }
        int code = OK;
        if (o.failAboveUsd() != null && out.totalCostUsd().compareTo(o.failAboveUsd()) > 0) {
            code = ABOVE_LIMIT;
            stderr.append("tollgate stats: total cost ").append(out.totalCostUsd().toPlainString())
                    .append(" USD is above --fail-above-usd ").append(o.failAboveUsd().toPlainString()).append('\n');
        }
        return new Outcome(code, stdout, stderr.toString());
    }

    /** A rendered report and the numbers the command's messages and CI gate use. */
    private record Rendered(String text, long requests, BigDecimal totalCostUsd, long skippedLines) {
    }

    private Rendered report(StatsOptions o, StatsQuery query, WhatIf whatIf, ReportFormat format) throws IOException {
        StatsReport report = StatsCalculator.fromLog(o.logDir(), query, context.withWhatIf(whatIf), readerThreads);
        if (o.warnings()) {
            report = report.withWarnings(SpendWarnings.scan(o.logDir(), query, report.summary().requests()));
        }
        return rendered(o, report, format);
    }

    private static Rendered rendered(StatsOptions o, StatsReport report, ReportFormat format) {
        if (o.by().isEmpty()) {
            report = report.withoutUnusedGroup(StatsQuery.BY_OPERATION.name());
        }
        return new Rendered(StatsFormatter.format(report, format), report.summary().requests(),
                report.summary().totalCostUsd(), report.skippedLines());
    }

    /** The period's calls as FOCUS charges ({@link FocusCharges}), read once, in date order. */
    private Rendered focus(StatsOptions o, StatsQuery query) throws IOException {
        LogScope scope = LogScope.everyDimension(query);
        FocusCharges charges = new FocusCharges(query, context.prices());
        UsageLogReader.Summary read = scope.forEachCall(o.logDir(), charges);
        return new Rendered(FocusCsv.write(charges.charges()), charges.requests(), charges.billedUsd(),
                scope.skippedLines(read));
    }

    /**
     * Refuses what a FOCUS export has no place for: its rows have a fixed grain (period, provider, key, model, part
     * of a call, price, tags), and suggestions, warnings and what-ifs are no charges.
     */
    private static void refuseWithFocus(StatsOptions o) {
        String flag = !o.by().isEmpty() ? "--by " + String.join(" --by ", o.by())
                : o.suggestions() ? "--suggestions"
                : o.warnings() ? "--warnings"
                : !o.compareModels().isEmpty() ? "--compare-models"
                : o.pricingFile() != null ? "--pricing" : null;
        if (flag != null) {
            throw new IllegalArgumentException(flag + ": not with --format focus (expected: none; FOCUS "
                    + "rows are one per period, provider, key, model and part of a call, with the calls' tags in Tags: "
                    + "narrow them with --key, --model, --user or --tag)");
        }
    }

    private StatsQuery query(StatsOptions o) {
        Map<String, List<String>> params = new HashMap<>();
        put(params, "days", o.days() == null ? null : o.days().toString());
        put(params, "since", o.since());
        put(params, "until", o.until());
        put(params, "period", o.period());
        put(params, "key", o.key());
        put(params, "model", o.model());
        put(params, "user", o.user());
        List<String> by = new ArrayList<>(o.by());
        if (by.isEmpty()) {
            StatsQuery.DEFAULT_BY.forEach(g -> by.add(g.name()));
        }
        params.put("by", by);
        params.put("tag", new ArrayList<>(o.tags()));
        put(params, "suggestions", Boolean.toString(o.suggestions()));
        try {
            return StatsQuery.parseMulti(params, context.today());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--" + e.getMessage(), e);
        }
    }

    private static ReportFormat format(StatsOptions o) {
        if (o.format() != null) {
            ReportFormat f;
            try {
                f = ReportFormat.parse(o.format());
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("--" + e.getMessage(), e);
            }
            ReportFormat implied = o.export() == null ? null : ReportFormat.ofFileName(o.export());
            // a .txt file takes any format: every one is text
            if (implied != null && implied != ReportFormat.TABLE && implied != f.fileFormat()) {
                // --format json --export r.yaml would write JSON into a file every reader takes for YAML
                throw new IllegalArgumentException("--export: " + o.export() + " (expected: a file whose extension "
                        + "matches --format " + f.id() + ", or no --format)");
            }
            return f;
        }
        if (o.export() == null) {
            return ReportFormat.TABLE;
        }
        ReportFormat f = ReportFormat.ofFileName(o.export());
        if (f == null) {
            throw new IllegalArgumentException("--export: " + o.export()
                    + " (expected: a .json, .yaml, .yml, .csv or .txt file, or --format)");
        }
        return f;
    }

    private WhatIf whatIf(StatsOptions o) {
        List<PricedModel> models = new ArrayList<>();
        for (String spec : o.compareModels()) {
            for (String name : spec.split(",")) {
                if (name.isBlank()) {
                    continue;
                }
                PricedModel m = context.prices().resolve(name.trim());
                if (m == null) {
                    throw new IllegalArgumentException("--compare-models: '" + name.trim() + "' (expected: a model of "
                            + "the price table, see tollgate pricing)");
                }
                models.add(new PricedModel(name.trim(), m.price()));
            }
        }
        PricingTable pricing = null;
        if (o.pricingFile() != null) {
            try {
                pricing = PricingTable.load(o.pricingFile());
            } catch (PricingException e) {
                throw new IllegalArgumentException("--pricing: " + String.join("; ", e.errors())
                        + " (expected: a pricing file as pricing.file takes)", e);
            }
        }
        return new WhatIf(models, pricing, o.pricingFile());
    }

    /** Refuses, before the log is read, a path that cannot be written: a folder, or one whose parent is missing. */
    private static void checkWritable(Path export) {
        Path parent = export.toAbsolutePath().getParent();
        String why = null;
        if (Files.isDirectory(export)) {
            why = "it is a folder";
        } else if (parent == null || !Files.isDirectory(parent)) {
            why = "its folder " + parent + " does not exist";
        } else if (Files.exists(export) ? !Files.isWritable(export) : !Files.isWritable(parent)) {
            why = "no permission to write it";
        }
        if (why != null) {
            throw new IllegalArgumentException("--export: " + export + " (expected: a file that can be written; "
                    + why + ")");
        }
    }

    private static String unwritable(Path export, IOException e) {
        String reason = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        return "--export: " + export + " (expected: a file that can be written; " + reason + ")";
    }

    private static void put(Map<String, List<String>> params, String name, @Nullable String value) {
        if (value != null) {
            params.put(name, List.of(value));
        }
    }
}
