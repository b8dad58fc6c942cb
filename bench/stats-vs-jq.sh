#!/usr/bin/env bash
# Compares `tollgate stats` (its default report: summary, series, breakdowns by model, key and operation) on a
# synthetic usage log with jq summing one field of the same files. Target (issue 18): stats <= 0.7x jq's time.
#   bench/stats-vs-jq.sh [DIR] [RECORDS] [DAYS]      (defaults: /tmp/tollgate-stats-bench 1000000 30)
# Generates the log once (bench/src/main/java/tollgate/bench/UsageLogGenerator.java), warms the page cache,
# then reports the best of 3 wall-clock runs of each (on a shared machine, also compare CPU time with
# /usr/bin/time: wall time there mostly measures the neighbours), their ratio, and `recent`'s time on the same log
# (it reads the log's tail only). Uses proxy/target/tollgate.jar when it has `stats`, else compiles a tiny driver
# around tollgate.metering.report.StatsCommandRunner and RecentCalls.
set -euo pipefail
cd "$(dirname "$0")/.."
DIR=${1:-/tmp/tollgate-stats-bench}
RECORDS=${2:-1000000}
DAYS=${3:-30}
RUNS=3
TARGET=0.7
if [ ! -d "$DIR" ]; then
  java bench/src/main/java/tollgate/bench/UsageLogGenerator.java "$DIR" "$RECORDS" "$DAYS" "$(date -u +%F)"
fi
# the range is the log's own first and last day, whenever it was generated
SINCE=$(ls "$DIR" | grep -oE '[0-9]{4}-[0-9]{2}-[0-9]{2}' | sort | head -1)
END=$(ls "$DIR" | grep -oE '[0-9]{4}-[0-9]{2}-[0-9]{2}' | sort | tail -1)
echo "log: $(du -sh "$DIR" | cut -f1) in $(ls "$DIR" | wc -l) files ($SINCE to $END), $(nproc) cores, load $(cut -d' ' -f1 /proc/loadavg)"
cat "$DIR"/usage-*.jsonl > /dev/null   # page cache warm for both contenders

if [ -f proxy/target/tollgate.jar ] && java -jar proxy/target/tollgate.jar recent --help > /dev/null 2>&1; then
  STATS=(java -jar proxy/target/tollgate.jar stats --log-dir "$DIR" --since "$SINCE" --until "$END" --format json)
  RECENT=(java -jar proxy/target/tollgate.jar recent --log-dir "$DIR" --limit 20 --format json)
else
  # in one reactor with -am, so tollgate-config resolves to config/target/classes (nothing is installed)
  ./mvnw -B -o -q -pl metering -am compile dependency:build-classpath -Dmdep.outputFile=target/stats-bench.cp > /dev/null
  CP="metering/target/classes:$(cat metering/target/stats-bench.cp)"
  WORK=$(mktemp -d)
  trap 'rm -rf "$WORK"' EXIT
  cat > "$WORK/StatsRun.java" <<'JAVA'
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import tollgate.metering.pricing.PricingTable;
import tollgate.metering.report.*;

public class StatsRun {
    public static void main(String[] a) throws Exception {
        // args: stats DIR SINCE UNTIL | recent DIR
        if (a[0].equals("recent")) {
            System.out.print(RecentCalls.json(RecentCalls.read(Path.of(a[1]), 20, StatsFilter.NONE)));
            return;
        }
        StatsOptions o = new StatsOptions(Path.of(a[1]), null, a[2], a[3], null, List.of(), null, null, null, List.of(),
                "json", null, false, null);
        StatsCommandRunner.Outcome out = new StatsCommandRunner(StatsContext.of(PricingTable.builtIn(),
                Clock.systemUTC()), Runtime.getRuntime().availableProcessors()).run(o);
        System.out.print(out.stdout());
        System.exit(out.exitCode());
    }
}
JAVA
  javac -cp "$CP" -d "$WORK" "$WORK/StatsRun.java"
  STATS=(java -cp "$WORK:$CP" StatsRun stats "$DIR" "$SINCE" "$END")
  RECENT=(java -cp "$WORK:$CP" StatsRun recent "$DIR")
fi

# shellcheck source=bench/timing.sh
. bench/timing.sh

echo "jq total_tokens:    $(jq -n 'reduce inputs as $r (0; . + $r.total_tokens)' "$DIR"/usage-*.jsonl)"
echo "stats total_tokens: $("${STATS[@]}" | grep -m1 '"total_tokens"' | tr -dc '0-9')"
echo "stats breakdowns:   $("${STATS[@]}" | grep -oE '"(model|key|tag:operation)" : \[' | sed -E 's/"([^"]+)".*/\1/' | paste -sd, -)"
JQ=$(best jq -n 'reduce inputs as $r (0; . + $r.total_tokens)' "$DIR"/usage-*.jsonl)
ST=$(best "${STATS[@]}")
RC=$(best "${RECENT[@]}")
RATIO=$(echo "scale=2; $ST / $JQ" | bc)
echo "jq (sum one field):                       ${JQ}s"
echo "tollgate stats (default breakdowns):      ${ST}s  = ${RATIO}x jq (target <= ${TARGET}x: $( [ "$(echo "$RATIO <= $TARGET" | bc)" = 1 ] && echo met || echo missed))"
echo "tollgate recent --limit 20 (log's tail):  ${RC}s"
