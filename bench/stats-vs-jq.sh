#!/usr/bin/env bash
# Compares `tollgate stats` on a synthetic usage log with jq summing one field of the same files.
#   bench/stats-vs-jq.sh [DIR] [RECORDS] [DAYS]      (defaults: /tmp/tollgate-stats-bench 1000000 30)
# Generates the log once (bench/src/main/java/tollgate/bench/UsageLogGenerator.java), warms the page cache,
# then reports the best of 3 wall-clock runs of each (on a shared machine, also compare CPU time with
# /usr/bin/time: wall time there mostly measures the neighbours). Uses proxy/target/tollgate.jar when it has `stats`,
# else compiles a tiny driver around tollgate.metering.report.StatsCommandRunner.
set -euo pipefail
cd "$(dirname "$0")/.."
DIR=${1:-/tmp/tollgate-stats-bench}
RECORDS=${2:-1000000}
DAYS=${3:-30}
RUNS=3
if [ ! -d "$DIR" ]; then
  java bench/src/main/java/tollgate/bench/UsageLogGenerator.java "$DIR" "$RECORDS" "$DAYS" "$(date -u +%F)"
fi
# the range is the log's own first and last day, whenever it was generated
SINCE=$(ls "$DIR" | grep -oE '[0-9]{4}-[0-9]{2}-[0-9]{2}' | sort | head -1)
END=$(ls "$DIR" | grep -oE '[0-9]{4}-[0-9]{2}-[0-9]{2}' | sort | tail -1)
echo "log: $(du -sh "$DIR" | cut -f1) in $(ls "$DIR" | wc -l) files ($SINCE to $END), $(nproc) cores, load $(cut -d' ' -f1 /proc/loadavg)"
cat "$DIR"/usage-*.jsonl > /dev/null   # page cache warm for both contenders

if [ -f proxy/target/tollgate.jar ] && java -jar proxy/target/tollgate.jar stats --help > /dev/null 2>&1; then
  STATS=(java -jar proxy/target/tollgate.jar stats --log-dir "$DIR")
else
  ./mvnw -B -o -q -pl metering -am compile
  # the module's own classes, not a possibly stale installed tollgate-config jar
  ./mvnw -B -o -q -pl metering dependency:build-classpath -Dmdep.outputFile=target/stats-bench.cp > /dev/null
  CP="metering/target/classes:config/target/classes:$(sed -E 's#[^:]*tollgate-config[^:]*\.jar:?##' metering/target/stats-bench.cp)"
  WORK=$(mktemp -d)
  trap 'rm -rf "$WORK"' EXIT
  cat > "$WORK/StatsRun.java" <<'JAVA'
import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Arrays;
import java.util.List;
import tollgate.metering.report.*;

public class StatsRun {
    public static void main(String[] a) {
        // args: DIR SINCE UNTIL [by...]
        List<String> by = Arrays.asList(a).subList(3, a.length);
        StatsOptions o = new StatsOptions(Path.of(a[0]), null, a[1], a[2], null, by, null, null, null, List.of(),
                "json", null, !by.isEmpty(), null);
        StatsCommandRunner.Outcome out = new StatsCommandRunner(StatsContext.of(PriceLookup.NONE, Clock.systemUTC()),
                Runtime.getRuntime().availableProcessors()).run(o);
        System.out.print(out.stdout());
        System.exit(out.exitCode());
    }
}
JAVA
  javac -cp "$CP" -d "$WORK" "$WORK/StatsRun.java"
  STATS=(java -cp "$WORK:$CP" StatsRun "$DIR" "$SINCE" "$END")
fi

best() {  # best wall time in seconds of RUNS runs of "$@"
  local best=""
  for _ in $(seq $RUNS); do
    local s e t
    s=$(date +%s.%N); "$@" > /dev/null; e=$(date +%s.%N)
    t=$(echo "$e - $s" | bc)
    if [ -z "$best" ] || [ "$(echo "$t < $best" | bc)" = 1 ]; then best=$t; fi
  done
  printf '%.2f' "$best"
}

echo "jq total_tokens:   $(jq -n 'reduce inputs as $r (0; . + $r.total_tokens)' "$DIR"/usage-*.jsonl)"
echo "stats total_tokens: $("${STATS[@]}" | grep -m1 '"total_tokens"' | tr -dc '0-9')"
JQ=$(best jq -n 'reduce inputs as $r (0; . + $r.total_tokens)' "$DIR"/usage-*.jsonl)
ST=$(best "${STATS[@]}")
if [ "${STATS[1]}" = "-cp" ]; then
  BY=$(best "${STATS[@]}" key model tag:operation)
else
  BY=$(best "${STATS[@]}" --by key --by model --by tag:operation --suggestions)
fi
echo "jq (sum one field):                   ${JQ}s"
echo "tollgate stats (summary + series):    ${ST}s"
echo "tollgate stats (3 groupings + sugg.): ${BY}s"
