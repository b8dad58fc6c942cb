#!/usr/bin/env bash
# bench/postgres.sh — a throwaway local PostgreSQL for issue 20's benchmark (s1 with log.store), from Debian's
# binaries (apt-get install postgresql). Prints the log.store URL and the password to use.
#
#   eval "$(bench/postgres.sh start)"     # sets TOLLGATE_BENCH_PG_URL, TOLLGATE_DB_PASSWORD, TOLLGATE_BENCH_PG_DIR
#   bench/run --only s1 --tollgate-config <(sed "s|@PG_URL@|$TOLLGATE_BENCH_PG_URL|" bench/tollgate-store.yaml)
#   bench/postgres.sh stop
#   bench/postgres.sh down | up         # stop / start the server keeping its data (an outage, for bench/store-outage.sh)
#
# Settings as a default install (fsync on, synchronous_commit on): the shipper pays a real commit per batch.
set -euo pipefail
PORT=${PG_PORT:-55432}
DIR=${TOLLGATE_BENCH_PG_DIR:-/tmp/tollgate-bench-pg}
BIN=$(pg_config --bindir 2>/dev/null || ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[ -x "$BIN/initdb" ] || { echo "bench/postgres.sh: no PostgreSQL server binaries (apt-get install postgresql)" >&2; exit 2; }
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
case "${1:-start}" in
  start)
    if [ ! -d "$DIR/data" ]; then
      mkdir -p "$DIR"; [ "$(id -u)" = 0 ] && chown postgres "$DIR"
      echo bench > "$DIR/pw"; [ "$(id -u)" = 0 ] && chown postgres "$DIR/pw"
      as_pg "$BIN/initdb" -D "$DIR/data" -U tollgate --pwfile="$DIR/pw" --auth=scram-sha-256 >/dev/null
    fi
    as_pg "$BIN/pg_ctl" -D "$DIR/data" -l "$DIR/log" -w -o "-p $PORT -k $DIR -c listen_addresses=127.0.0.1" start >/dev/null
    PGPASSWORD=bench psql -h 127.0.0.1 -p "$PORT" -U tollgate -d postgres -qtAc \
      "SELECT 1 FROM pg_database WHERE datname='tollgate'" | grep -q 1 \
      || PGPASSWORD=bench psql -h 127.0.0.1 -p "$PORT" -U tollgate -d postgres -qc "CREATE DATABASE tollgate" >/dev/null
    echo "export TOLLGATE_BENCH_PG_URL=postgres://tollgate@127.0.0.1:$PORT/tollgate TOLLGATE_DB_PASSWORD=bench TOLLGATE_BENCH_PG_DIR=$DIR"
    ;;
  down)
    as_pg "$BIN/pg_ctl" -D "$DIR/data" -m fast stop >/dev/null
    ;;
  up)
    as_pg "$BIN/pg_ctl" -D "$DIR/data" -l "$DIR/log" -w -o "-p $PORT -k $DIR -c listen_addresses=127.0.0.1" start >/dev/null
    ;;
  stop)
    as_pg "$BIN/pg_ctl" -D "$DIR/data" -m fast stop >/dev/null || true
    rm -rf "$DIR"
    ;;
  *) echo "usage: bench/postgres.sh start|stop|down|up" >&2; exit 2 ;;
esac
