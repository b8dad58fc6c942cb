#!/usr/bin/env bash
# bench/cpu-by-thread.sh — where a call's CPU goes: user and system time per call of each of tollgate's threads
# (event loops, accounting, usage log, GC, JIT, store shipper…), next to nginx's user and system time per call,
# under s1's load (wrk -t2 -c64, bench/wrk/chat.lua) after a warm-up long enough for the JIT. Per call = ticks of
# /proc/PID/task/*/stat over a 10 s window divided by the calls in it (usage-log lines; wrk's count for nginx).
# The split holds up on a shared box better than req/s does: it is per call, not per second.
#
#   bench/cpu-by-thread.sh [--config FILE] [--warm S] [--no-nginx]    (BENCH_USERS/KEYS/TEAMS as for bench/run)
#
# Needs the jars (bench/run builds them) and wrk + nginx (bench/run installs them).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
CONFIG="" WARM=30 NGINX=1
while [ $# -gt 0 ]; do
  case "$1" in
    --config) CONFIG=$(cd "$(dirname "$2")" && pwd)/$(basename "$2"); shift ;;
    --warm) WARM=$2; shift ;;
    --no-nginx) NGINX=0 ;;
    *) echo "usage: bench/cpu-by-thread.sh [--config FILE] [--warm S] [--no-nginx]" >&2; exit 2 ;;
  esac
  shift
done
BENCH_JAR="$ROOT/bench/target/tollgate-bench.jar"
TOLLGATE_JAR="$ROOT/proxy/target/tollgate.jar"
MOCK_PORT=${MOCK_PORT:-19481} TG_PORT=${TG_PORT:-19483} NGINX_PORT=${NGINX_PORT:-19484}
TMP=$(mktemp -d /tmp/tollgate-cpu.XXXXXX)
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$TMP"; }
trap cleanup EXIT
wait_http() {
  for _ in $(seq 1 300); do curl -s -o /dev/null "$1" && return 0; sleep 0.1; done
  echo "cpu-by-thread: $1 did not come up" >&2; exit 1
}
WINDOW=10
java -Xms256m -Xmx1g -XX:+UseParallelGC -cp "$BENCH_JAR" tollgate.bench.mock.MockUpstream \
  --listen "127.0.0.1:$MOCK_PORT" --threads 2 >"$TMP/mock.log" 2>&1 &
PIDS+=($!)
wait_http "http://127.0.0.1:$MOCK_PORT/v1/chat/completions"

if [ "$NGINX" = 1 ]; then
  mkdir -p "$TMP/nginx"
  cat >"$TMP/nginx/nginx.conf" <<NGX
user root;
worker_processes 2;
daemon off;
pid $TMP/nginx/nginx.pid;
error_log $TMP/nginx/error.log warn;
events { worker_connections 8192; }
http {
  access_log $TMP/nginx/access.log combined buffer=64k flush=1s;
  client_body_temp_path $TMP/nginx/cb; proxy_temp_path $TMP/nginx/p; fastcgi_temp_path $TMP/nginx/f;
  uwsgi_temp_path $TMP/nginx/u; scgi_temp_path $TMP/nginx/s;
  client_max_body_size 64m; client_body_buffer_size 2m; keepalive_timeout 75s; keepalive_requests 1000000;
  upstream mock { server 127.0.0.1:$MOCK_PORT; keepalive 512; keepalive_requests 1000000; }
  server { listen 127.0.0.1:$NGINX_PORT backlog=4096;
    location / { proxy_pass http://mock; proxy_http_version 1.1; proxy_set_header Connection "";
                 proxy_buffering off; proxy_read_timeout 600s; } }
}
NGX
  nginx -p "$TMP/nginx" -c "$TMP/nginx/nginx.conf" -e "$TMP/nginx/error.log" &
  N=$!; PIDS+=("$N")
  wait_http "http://127.0.0.1:$NGINX_PORT/v1/chat/completions"
  nsnap() { for p in $(pgrep -P "$N"); do sed 's/^.*) //' "/proc/$p/stat" | awk '{print $12" "$13}'; done | awk '{u+=$1; s+=$2} END{print u+0, s+0}'; }
  wrk -t2 -c64 -d"$((WARM / 2))s" -s "$ROOT/bench/wrk/chat.lua" "http://127.0.0.1:$NGINX_PORT" >/dev/null 2>&1 || true
  read -r u0 s0 < <(nsnap)
  wrk -t2 -c64 -d"${WINDOW}s" -s "$ROOT/bench/wrk/chat.lua" "http://127.0.0.1:$NGINX_PORT" >"$TMP/nginx.wrk" 2>&1 || true
  read -r u1 s1 < <(nsnap)
  calls=$(awk '/requests in/ { print $1 }' "$TMP/nginx.wrk")
  awk -v u=$((u1 - u0)) -v s=$((s1 - s0)) -v c="$calls" 'BEGIN {
    printf "nginx: %d calls in the window\n  %-26s user %5.1f sys %5.1f us/call\n", c, "workers", u * 10000 / c, s * 10000 / c }'
  kill "$N" 2>/dev/null || true
fi

mkdir -p "$TMP/logs"
CONFIG_ARGS=()
[ -n "$CONFIG" ] && CONFIG_ARGS=(--config "$CONFIG")
java ${TOLLGATE_OPTS:-} -jar "$TOLLGATE_JAR" serve "${CONFIG_ARGS[@]}" --listen "127.0.0.1:$TG_PORT" \
  --upstream "http://127.0.0.1:$MOCK_PORT" --log-dir "$TMP/logs" >"$TMP/tollgate.log" 2>&1 &
T=$!; PIDS+=("$T")
wait_http "http://127.0.0.1:$TG_PORT/v1/chat/completions"
C=$(pgrep -P "$T" java | head -1 || true); C=${C:-$T}
snap() {
  for t in /proc/"$C"/task/*; do
    printf '%s|%s\n' "$(cat "$t/comm" 2>/dev/null | sed 's/[0-9#-]*$//')" "$(sed 's/^.*) //' "$t/stat" 2>/dev/null | awk '{print $12"|"$13}')"
  done | awk -F'|' 'NF == 3 { u[$1] += $2; s[$1] += $3 } END { for (k in u) print k "|" u[k] "|" s[k] }' | sort
}
lines() { cat "$TMP"/logs/usage-*.jsonl 2>/dev/null | wc -l; }
wrk -t2 -c64 -d"$((WARM + WINDOW + 2))s" -s "$ROOT/bench/wrk/chat.lua" "http://127.0.0.1:$TG_PORT" >/dev/null 2>&1 &
W=$!
sleep "$WARM"
snap >"$TMP/t0"; n0=$(lines)
sleep "$WINDOW"
snap >"$TMP/t1"; n1=$(lines)
wait "$W" || true
calls=$((n1 - n0))
echo "tollgate: $calls calls in ${WINDOW} s ($((calls / WINDOW)) per s)"
join -t'|' "$TMP/t0" "$TMP/t1" | awk -F'|' -v c="$calls" '{
  u = $4 - $2; s = $5 - $3; if (u + s > 0) { tu += u; ts += s; printf "  %-26s user %5.1f sys %5.1f us/call\n", $1, u * 10000 / c, s * 10000 / c } }
  END { printf "  %-26s user %5.1f sys %5.1f us/call\n", "total", tu * 10000 / c, ts * 10000 / c }'
