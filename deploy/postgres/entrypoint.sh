#!/bin/sh
# Entrypoint of the local PostgreSQL image that deploy/local-base-images.sh makes from Debian's postgresql
# package, with the part of the official postgres image's interface deploy/compose uses:
#   POSTGRES_PASSWORD  the password of POSTGRES_USER (required on first start)
#   POSTGRES_USER      the superuser initdb makes           (default postgres)
#   POSTGRES_DB        a database it owns, made at init      (default POSTGRES_USER)
#   PGDATA             the data folder (mount a volume)      (default /var/lib/postgresql/data)
# On an empty PGDATA: initdb as the postgres user, password (scram) auth from every address, the database
# created in single-user mode. Then postgres replaces this script as PID 1, as the postgres user, listening on
# every address; arguments after `postgres` are its own (`postgres -c fsync=off`). Anything else runs as given.
set -eu
if [ "${1:-postgres}" != postgres ]; then
  exec "$@"
fi
if [ $# -gt 0 ]; then shift; fi
bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
PGDATA=${PGDATA:-/var/lib/postgresql/data}
user=${POSTGRES_USER:-postgres}
db=${POSTGRES_DB:-$user}
as_postgres() {
  setpriv --reuid=postgres --regid=postgres --init-groups "$@"
}
mkdir -p "$PGDATA" /run/postgresql
chown postgres:postgres "$PGDATA" /run/postgresql
chmod 0700 "$PGDATA"
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  if [ -z "${POSTGRES_PASSWORD:-}" ]; then
    echo "postgres: POSTGRES_PASSWORD is not set (the password of $user, needed to initialise $PGDATA)" >&2
    exit 1
  fi
  pwfile=$(mktemp)
  printf '%s\n' "$POSTGRES_PASSWORD" > "$pwfile"
  chown postgres "$pwfile"
  as_postgres "$bin/initdb" -D "$PGDATA" -U "$user" --pwfile="$pwfile" -E UTF8 \
      --auth-local=trust --auth-host=scram-sha-256 >/dev/null
  rm -f "$pwfile"
  echo "host all all all scram-sha-256" >> "$PGDATA/pg_hba.conf"
  if [ "$db" != postgres ]; then
    printf 'CREATE DATABASE "%s" OWNER "%s";\n' "$db" "$user" \
      | as_postgres "$bin/postgres" --single -D "$PGDATA" -j postgres >/dev/null
  fi
  echo "postgres: initialised $PGDATA (user $user, database $db)"
fi
exec setpriv --reuid=postgres --regid=postgres --init-groups "$bin/postgres" -D "$PGDATA" -c listen_addresses='*' "$@"
