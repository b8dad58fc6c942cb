package tollgate.proxy.cli;

import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import tollgate.config.ConfigException;
import tollgate.config.StoreConfig;
import tollgate.config.TollgateConfig;
import tollgate.metering.pricing.PricingException;
import tollgate.metering.pricing.PricingTable;
import tollgate.metering.store.PostgresCellSource;
import tollgate.metering.report.CellSource;
import tollgate.metering.report.StatsCommandRunner;
import tollgate.metering.report.StatsContext;
import tollgate.metering.report.StatsOptions;
import tollgate.metering.report.StatsQuery;

/** {@code tollgate stats}: totals, series, groups, projection and suggestions from the usage log (SPEC 8). */
@Command(name = "stats", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Report usage and cost from the usage log. Exit 3 when --fail-above-usd is passed.")
final class StatsCommand implements Callable<Integer> {
    private final Map<String, String> env;

    @Mixin
    LogOptions log = new LogOptions();

    @Option(names = {"--days", "-d"}, description = "the last N days, today included (default 30)")
    Integer days;

    @Option(names = "--since", description = "first day, YYYY-MM-DD (UTC, inclusive)")
    String since;

    @Option(names = "--until", description = "last day, YYYY-MM-DD (UTC, inclusive; default today)")
    String until;

    @Option(names = "--period", description = "series buckets: day, week (ISO) or month (default day); daily, weekly, "
            + "monthly also work")
    String period;

    @Option(names = "--by", description = "group by key, model (priced name), model:raw (exact name), endpoint, user, provider or "
            + "tag:NAME (repeatable; default: model, key and tag:operation)")
    List<String> by = new ArrayList<>();

    @Option(names = "--operation", description = "only calls with this operation tag (= --tag operation=X)")
    String operation;

    @Option(names = "--format", description = "table, json, yaml, csv, or focus (the period as FinOps FOCUS 1.2 charges, CSV; default: from --export's extension, else table)")
    String format;

    @Option(names = "--export", description = "write the report to this file")
    Path export;

    @Option(names = "--suggestions", description = "add savings suggestions, each with its arithmetic")
    boolean suggestions;

    @Option(names = "--min-savings", description = "hide suggestions saving less than this many USD over the period "
            + "(default 0.01)")
    BigDecimal minSavings;

    @Option(names = "--compare-models", description = "what the period's calls would have cost at each of these "
            + "models' prices, e.g. gpt-4.1-mini,gpt-4o-mini (repeatable)")
    List<String> compareModels = new ArrayList<>();

    @Option(names = "--pricing", description = "what the period's calls would have cost with this pricing file "
            + "(the built-in prices with the file's on top, as pricing.file)")
    Path pricing;

    @Option(names = "--warnings", description = "add warnings: a key's or user's day over 3x its median day of the "
            + "week before, the top 0.1% of calls by tokens, models failing over 5% of calls")
    boolean warnings;

    @Option(names = "--store", description = "read every replica's calls from this log.store database "
            + "(postgres://USER@HOST[:PORT]/DB; the password from TOLLGATE_DB_PASSWORD or USER:${ENV_VAR}) instead of "
            + "the usage log")
    String store;

    @Option(names = "--fail-above-usd", description = "exit 3 when the total cost is above this (CI gate)")
    BigDecimal failAboveUsd;

    StatsCommand() {
        this(System.getenv());
    }

    StatsCommand(Map<String, String> env) {
        this.env = env;
    }

    /** The settings as {@code serve} resolves them (SPEC 1): --log-dir > TOLLGATE_LOG_DIR > the file's log.dir > ./logs. */
    TollgateConfig settings() throws ConfigException {
        return log.settings(env);
    }

    @Override
    public Integer call() {
        TollgateConfig cfg;
        PricingTable table;
        try {
            cfg = settings();
            table = PricingTable.load(cfg.pricingFile());
        } catch (ConfigException e) {
            e.errors().forEach(err -> System.err.println("tollgate stats: " + err));
            return 2;
        } catch (PricingException e) {
            e.errors().forEach(err -> System.err.println("tollgate stats: pricing.file: " + err));
            return 2;
        }
        List<String> allTags = new ArrayList<>(log.tags);
        if (operation != null) {
            allTags.add(StatsQuery.BY_OPERATION.tagName() + "=" + operation);
        }
        StatsOptions o = new StatsOptions(cfg.log().dir(), days, since, until, period, by, log.key, log.model, log.user, allTags,
                format, export, suggestions, failAboveUsd).withMinSavings(minSavings).withWhatIf(compareModels, pricing)
                .withWarnings(warnings);
        CellSource fleet = null;
        if (store != null) {
            try {
                fleet = new PostgresCellSource(StoreConfig.parse(store, env, false));
            } catch (IllegalArgumentException e) {
                System.err.println("tollgate stats: --store: " + e.getMessage());
                return 2;
            }
        }
        StatsCommandRunner.Outcome out = new StatsCommandRunner(StatsContext.of(table, Clock.systemUTC()),
                Runtime.getRuntime().availableProcessors()).run(o, fleet);
        System.out.print(out.stdout());
        System.out.flush();
        System.err.print(out.stderr());
        System.err.flush();
        return out.exitCode();
    }
}
