package tollgate.proxy.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import tollgate.config.ConfigException;
import tollgate.metering.log.UsageRecord;
import tollgate.metering.report.RecentCalls;
import tollgate.metering.report.StatsFilter;

/** {@code tollgate recent}: the latest calls from the usage log's tail, newest first. */
@Command(name = "recent", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Show the latest calls from the usage log, newest first.")
final class RecentCommand implements Callable<Integer> {
    enum Format { table, json }

    private final Map<String, String> env;

    @Mixin
    LogOptions log = new LogOptions();

    @Option(names = "--limit", description = "how many calls (default 20, at most 10000)")
    int limit = 20;

    @Option(names = "--format", description = "table or json (default: table)")
    Format format = Format.table;

    RecentCommand() {
        this(System.getenv());
    }

    RecentCommand(Map<String, String> env) {
        this.env = env;
    }

    @Override
    public Integer call() {
        Path dir;
        StatsFilter filter;
        try {
            dir = log.settings(env).log().dir();
            Map<String, String> byTag = new LinkedHashMap<>();
            for (String t : log.tags) {
                Map.Entry<String, String> e = StatsFilter.parseTag(t);
                byTag.put(e.getKey(), e.getValue());
            }
            filter = new StatsFilter(log.key, log.model, log.user, byTag);
            if (limit < 1 || limit > RecentCalls.MAX_LIMIT) {
                throw new IllegalArgumentException("limit: " + limit + " (expected: 1.." + RecentCalls.MAX_LIMIT + ")");
            }
        } catch (ConfigException e) {
            e.errors().forEach(err -> System.err.println("tollgate recent: " + err));
            return 2;
        } catch (IllegalArgumentException e) {
            System.err.println("tollgate recent: --" + e.getMessage());
            return 2;
        }
        if (!Files.isDirectory(dir)) {
            System.err.println("tollgate recent: --log-dir (or TOLLGATE_LOG_DIR, log.dir): " + dir
                    + " (expected: the folder holding usage-YYYY-MM-DD.jsonl files)");
            return 2;
        }
        List<UsageRecord> calls;
        try {
            calls = RecentCalls.read(dir, limit, filter);
        } catch (IOException e) {
            System.err.println("tollgate recent: " + dir + ": " + e);
            return 1;
        }
        System.out.print(format == Format.json ? RecentCalls.json(calls) + "\n" : RecentCalls.table(calls));
        System.out.flush();
        return 0;
    }
}
