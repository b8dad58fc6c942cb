#!/usr/bin/env bash
# bench/store-outage.sh — issue 20: "database stopped for 30 s under load, then started: every record arrives exactly
# once; request latency unchanged while it is down". Open-loop load (LoadDriver --mode rate, latency from each
# request's due time, as s2) through tollgate with log.store on a throwaway local PostgreSQL (bench/postgres.sh):
#
#   1. "up":   RATE req/s for UP_S seconds (after a warm-up) with the database running;
#   2. "down": RATE req/s for DOWN_S seconds (after 5 s of the driver's own warm-up); the database is stopped as the
#      window opens and stays down until the load ends;
#   3. the database is started again; the script waits until tollgate_store_backlog_records is 0 and then counts:
#      rows in usage_records and their distinct (replica, spool_offset) against the lines of tollgate's usage log.
#
# Prints a markdown table and writes bench/results/store-outage-<UTC>.json. Needs the jars (bench/run builds them).
#   bench/store-outage.sh [--rate 1000] [--up 20] [--down 30]
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
RATE=1000 UP_S=20 DOWN_S=30 WARM_S=10
while [ $# -gt 0 ]; do
  case "$1" in
    --rate) RATE=$2; shift ;;
    --up) UP_S=$2; shift ;;
    --down) DOWN_S=$2; shift ;;
    *) echo "usage: bench/store-outage.sh [--rate N] [--up S] [--down S]" >&2; exit 2 ;;
  esac
  shift
done
BENCH_JAR="$ROOT/bench/target/tollgate-bench.jar"
TOLLGATE_JAR="$ROOT/proxy/target/tollgate.jar"
[ -f "$BENCH_JAR" ] && [ -f "$TOLLGATE_JAR" ] || { echo "store-outage: build first (./mvnw -q -DskipTests package)" >&2; exit 2; }
MOCK_PORT=${MOCK_PORT:-19381} TG_PORT=${TG_PORT:-19383}
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
TMP=$(mktemp -d /tmp/tollgate-outage.XXXXXX)
chmod 755 "$TMP"   # the postgres user runs the server under it
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  "$ROOT/bench/postgres.sh" stop >/dev/null 2>&1 || true
}
trap cleanup EXIT
export TOLLGATE_BENCH_PG_DIR="$TMP/pg"
eval "$("$ROOT/bench/postgres.sh" start)"
psql_q() { PGPASSWORD=bench psql -h 127.0.0.1 -p 55432 -U tollgate -d tollgate -qtAc "$1"; }
wait_http() {
  for _ in $(seq 1 200); do curl -s -o /dev/null "$1" && return 0; sleep 0.1; done
  echo "store-outage: $2 did not come up" >&2; exit 1
}
metric() { curl -s "http://127.0.0.1:$TG_PORT/metrics" | awk -v m="$1" '$1 == m { print $2 }'; }

java -Xms256m -Xmx1g -XX:+UseParallelGC -cp "$BENCH_JAR" tollgate.bench.mock.MockUpstream \
  --listen "127.0.0.1:$MOCK_PORT" --threads 2 >"$TMP/mock.log" 2>&1 &
PIDS+=($!)
wait_http "http://127.0.0.1:$MOCK_PORT/v1/chat/completions" "mock upstream"
printf 'log:\n  store: %s\n' "$TOLLGATE_BENCH_PG_URL" >"$TMP/tollgate.yaml"
java -jar "$TOLLGATE_JAR" serve --config "$TMP/tollgate.yaml" --listen "127.0.0.1:$TG_PORT" \
  --upstream "http://127.0.0.1:$MOCK_PORT" --log-dir "$TMP/logs" >"$TMP/tollgate.log" 2>&1 &
PIDS+=($!)
wait_http "http://127.0.0.1:$TG_PORT/v1/chat/completions" "tollgate"

drive() { # $1 label, $2 warm-up s, $3 seconds
  java -Xms256m -Xmx1g -XX:+UseParallelGC -cp "$BENCH_JAR" tollgate.bench.load.LoadDriver \
    --target "127.0.0.1:$TG_PORT" --mode rate --rate "$RATE" --connections 64 --warmup-ms "$(($2 * 1000))" \
    --duration-ms "$(($3 * 1000))" --label "$1" --out "$TMP/$1.json" >"$TMP/$1.log" 2>&1
}
echo "store-outage: ${RATE} req/s, ${UP_S} s with the database up (after ${WARM_S} s warm-up)" >&2
drive up "$WARM_S" "$UP_S"
echo "store-outage: ${RATE} req/s, ${DOWN_S} s with the database down" >&2
# a driver JVM of its own: warmed up for 5 s (its JIT, not the proxy's) while the database still runs, then the
# database stops as the measured window opens
drive down 5 "$DOWN_S" &
DRIVER=$!
sleep 5
"$ROOT/bench/postgres.sh" down
DOWN_AT=$(date +%s.%N)
BACKLOG_MAX=0
while kill -0 "$DRIVER" 2>/dev/null; do
  b=$(metric tollgate_store_backlog_records); b=${b%.*}
  [ -n "$b" ] && [ "$b" -gt "$BACKLOG_MAX" ] && BACKLOG_MAX=$b
  sleep 0.5
done
wait "$DRIVER"
"$ROOT/bench/postgres.sh" up
UP_AT=$(date +%s.%N)
echo "store-outage: database up again after $(echo "$UP_AT - $DOWN_AT" | bc | cut -c1-5) s; waiting for the backlog" >&2
DRAINED=""
for _ in $(seq 1 600); do
  b=$(metric tollgate_store_backlog_records); b=${b%.*}
  if [ "${b:-1}" = 0 ]; then DRAINED=$(date +%s.%N); break; fi
  sleep 0.2
done
[ -n "$DRAINED" ] || { echo "store-outage: the backlog did not drain in 120 s" >&2; exit 1; }
LOGGED=$(cat "$TMP"/logs/usage-*.jsonl | wc -l)
ROWS=$(psql_q "SELECT count(*) FROM usage_records")
DISTINCT=$(psql_q "SELECT count(DISTINCT (replica, spool_offset, day)) FROM usage_records")
ROLLUP=$(psql_q "SELECT coalesce(sum(requests), 0) FROM usage_rollups")
FAILURES=$(metric tollgate_store_failures_total); FAILURES=${FAILURES%.*}

lat() { python3 -c "import json,sys; d=json.load(open('$TMP/$1.json')); l=d['latency_us']; print(f\"{d['requests']} {d['non_2xx']+d['failures']} {l['p50']/1000:.2f} {l['p99']/1000:.2f} {l['p999']/1000:.2f} {l['max']/1000:.2f}\")"; }
read -r UP_N UP_ERR UP_P50 UP_P99 UP_P999 UP_MAX < <(lat up)
read -r DN_N DN_ERR DN_P50 DN_P99 DN_P999 DN_MAX < <(lat down)
DRAIN_S=$(echo "$DRAINED - $UP_AT" | bc | cut -c1-5)
cat <<TABLE
| phase | requests | errors | p50 ms | p99 ms | p99.9 ms | max ms |
|---|---:|---:|---:|---:|---:|---:|
| database up | $UP_N | $UP_ERR | $UP_P50 | $UP_P99 | $UP_P999 | $UP_MAX |
| database down | $DN_N | $DN_ERR | $DN_P50 | $DN_P99 | $DN_P999 | $DN_MAX |

records in the usage log: $LOGGED; rows in usage_records: $ROWS (distinct places in the spool: $DISTINCT); requests in
the rollups: $ROLLUP; backlog at most $BACKLOG_MAX while down, drained ${DRAIN_S} s after the database came back;
store failures counted: ${FAILURES:-0}
TABLE
mkdir -p "$ROOT/bench/results"
OUT="$ROOT/bench/results/store-outage-$STAMP.json"
python3 - "$TMP" "$OUT" <<PY
import json, sys
tmp, out = sys.argv[1], sys.argv[2]
json.dump({"rate": $RATE, "up_s": $UP_S, "down_s": $DOWN_S,
           "up": json.load(open(tmp + "/up.json")), "down": json.load(open(tmp + "/down.json")),
           "logged": $LOGGED, "rows": $ROWS, "distinct": $DISTINCT, "rollup_requests": $ROLLUP,
           "backlog_max": $BACKLOG_MAX, "drain_s": float("$DRAIN_S"), "store_failures": int("${FAILURES:-0}")},
          open(out, "w"), indent=2)
PY
echo "store-outage: $OUT" >&2
[ "$ROWS" = "$LOGGED" ] && [ "$DISTINCT" = "$LOGGED" ] && [ "$ROLLUP" = "$LOGGED" ] \
  || { echo "store-outage: MISMATCH: every record must arrive exactly once" >&2; exit 1; }
