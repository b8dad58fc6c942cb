package tollgate.proxy.cli;

import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import tollgate.config.ConfigLoader;
import tollgate.config.LogConfig;
import tollgate.metering.pricing.PricingException;
import tollgate.metering.pricing.PricingTable;
import tollgate.metering.report.StatsCommandRunner;
import tollgate.metering.report.StatsContext;
import tollgate.metering.report.StatsOptions;

import tollgate.proxy.ReportPrices;

/** {@code tollgate stats}: totals, series, groups, projection and suggestions from the usage log (SPEC 8). */
@Command(name = "stats", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Report usage and cost from the usage log. Exit 3 when --fail-above-usd is passed.")
final class StatsCommand implements Callable<Integer> {
    @Option(names = "--log-dir", description = "usage log folder (env TOLLGATE_LOG_DIR, default ./logs)")
    Path logDir;

    @Option(names = "--days", description = "the last N days, today included (default 30)")
    Integer days;

    @Option(names = "--since", description = "first day, YYYY-MM-DD (UTC, inclusive)")
    String since;

    @Option(names = "--until", description = "last day, YYYY-MM-DD (UTC, inclusive; default today)")
    String until;

    @Option(names = "--period", description = "series buckets: day, week (ISO) or month (default day)")
    String period;

    @Option(names = "--by", description = "group by key, model, endpoint, user or tag:NAME (repeatable)")
    List<String> by = new ArrayList<>();

    @Option(names = "--key", description = "only this key id")
    String key;

    @Option(names = "--model", description = "only this model")
    String model;

    @Option(names = "--user", description = "only this user")
    String user;

    @Option(names = "--tag", description = "only calls with this tag, NAME=VALUE (repeatable)")
    List<String> tags = new ArrayList<>();

    @Option(names = "--format", description = "table, json, yaml or csv (default: from --export's extension, else table)")
    String format;

    @Option(names = "--export", description = "write the report to this file")
    Path export;

    @Option(names = "--suggestions", description = "add savings suggestions, each with its arithmetic")
    boolean suggestions;

    @Option(names = "--fail-above-usd", description = "exit 3 when the total cost is above this (CI gate)")
    BigDecimal failAboveUsd;

    @Option(names = "--config", description = "config file whose pricing.file is used for suggestions (env TOLLGATE_CONFIG)")
    Path config;

    @Override
    public Integer call() {
        Path dir = logDir;
        if (dir == null) {
            String env = System.getenv(ConfigLoader.ENV_LOG_DIR);
            dir = env != null && !env.isBlank() ? Path.of(env) : LogConfig.DEFAULT_DIR;
        }
        PricingTable table;
        try {
            Path file = config == null && System.getenv(ConfigLoader.ENV_CONFIG) == null ? null
                    : new ConfigLoader(System.getenv()).load(config, tollgate.config.CliOverrides.NONE).pricingFile();
            table = PricingTable.load(file);
        } catch (tollgate.config.ConfigException e) {
            e.errors().forEach(err -> System.err.println("tollgate stats: " + err));
            return 2;
        } catch (PricingException e) {
            e.errors().forEach(err -> System.err.println("tollgate stats: pricing.file: " + err));
            return 2;
        }
        StatsOptions o = new StatsOptions(dir, days, since, until, period, by, key, model, user, tags, format, export,
                suggestions, failAboveUsd);
        StatsCommandRunner.Outcome out = new StatsCommandRunner(
                StatsContext.of(new ReportPrices(table), Clock.systemUTC()), Runtime.getRuntime().availableProcessors()).run(o);
        System.out.print(out.stdout());
        System.out.flush();
        System.err.print(out.stderr());
        System.err.flush();
        return out.exitCode();
    }
}
