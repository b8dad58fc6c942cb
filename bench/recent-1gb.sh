#!/usr/bin/env bash
# Times `tollgate recent` on a 1 GiB usage log (issue 18: "recent on a 1 GB log within a second"). The log is one
# day file of real usage lines (a 1 MiB block of them written 1024 times, then 100 newer calls of a key `rare`),
# so a forward read would parse a gigabyte; `recent` reads the file backwards from its end. Reports the best of 3
# wall-clock runs of `recent --limit 20` and of `recent --limit 20 --key rare` (the JVM's start included).
#   bench/recent-1gb.sh [DIR]        (default: /tmp/tollgate-recent-bench; needs proxy/target/tollgate.jar)
# CI checks what the command answers on such a log (RecentOnAGigabyteTest, a sparse file); this measures its time.
set -euo pipefail
cd "$(dirname "$0")/.."
DIR=${1:-/tmp/tollgate-recent-bench}
RUNS=3
JAR=proxy/target/tollgate.jar
[ -f "$JAR" ] || { echo "build the jar first: ./mvnw -o -q -pl proxy -am package -DskipTests" >&2; exit 2; }
DAY=$(date -u +%F)
FILE="$DIR/usage-$DAY.jsonl"
if [ ! -f "$FILE" ]; then
  mkdir -p "$DIR"
  BLOCK=$(mktemp)
  trap 'rm -f "$BLOCK"' EXIT
  # about 1 MiB of calls, each line as the proxy writes it (SPEC 8's fields)
  awk -v day="$DAY" 'BEGIN { for (i = 0; i < 2600; i++) printf "{\"ts\":\"%sT00:%02d:%02d.000Z\",\"request_id\":\"req-bulk-%d\",\"key\":\"storybot\",\"endpoint\":\"/v1/chat/completions\",\"model\":\"gpt-4o-mini-2024-07-18\",\"priced_as\":\"gpt-4o-mini\",\"stream\":false,\"status\":200,\"input_tokens\":1250,\"cached_input_tokens\":256,\"output_tokens\":150,\"reasoning_tokens\":0,\"total_tokens\":1400,\"estimated\":false,\"cost_usd\":0.0002775,\"duration_ms\":812,\"ttfb_ms\":240,\"user\":\"alice\",\"tags\":{\"operation\":\"rag_answer\"},\"error\":null}\n", day, int(i / 60) % 60, i % 60, i }' > "$BLOCK"
  for _ in $(seq 1024); do cat "$BLOCK"; done > "$FILE"
  awk -v day="$DAY" 'BEGIN { for (i = 0; i < 100; i++) printf "{\"ts\":\"%sT23:59:%02d.000Z\",\"request_id\":\"req-rare-%d\",\"key\":\"rare\",\"endpoint\":\"/v1/chat/completions\",\"model\":\"gpt-4o-mini-2024-07-18\",\"priced_as\":\"gpt-4o-mini\",\"stream\":false,\"status\":200,\"input_tokens\":100,\"cached_input_tokens\":0,\"output_tokens\":10,\"reasoning_tokens\":0,\"total_tokens\":110,\"estimated\":false,\"cost_usd\":0.000021,\"duration_ms\":300,\"ttfb_ms\":100,\"user\":null,\"tags\":{},\"error\":null}\n", day, i % 60, i }' >> "$FILE"
fi
echo "log: $(du -h "$FILE" | cut -f1) in $FILE, $(nproc) cores, load $(cut -d' ' -f1 /proc/loadavg)"

# shellcheck source=bench/timing.sh
. bench/timing.sh

RECENT=(java -jar "$JAR" recent --log-dir "$DIR" --limit 20 --format json)
echo "newest: $("${RECENT[@]}" | grep -o '"request_id":"[^"]*"' | head -1)"
ALL=$(best "${RECENT[@]}")
RARE=$(best "${RECENT[@]}" --key rare)
echo "tollgate recent --limit 20 on 1 GiB:            ${ALL}s (target < 1 s: $( [ "$(echo "$ALL < 1" | bc)" = 1 ] && echo met || echo missed))"
echo "tollgate recent --limit 20 --key rare on 1 GiB: ${RARE}s"
