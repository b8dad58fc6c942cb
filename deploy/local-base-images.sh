#!/bin/sh
# Builds the base images of deploy/ from Debian packages, for machines that cannot pull
# public images (no registry but Debian's is reachable). Each image is built only when
# its tag is missing, so repeated runs cost nothing. Needs root (or subuids), mmdebstrap, podman.
#
#   deploy/local-base-images.sh [jre|redis|prometheus|postgres|maven]...   (default: jre redis prometheus postgres)
#
# An imported rootfs has no entrypoint of its own; the postgres image gets deploy/postgres/entrypoint.sh, which
# behaves like the official image's (POSTGRES_PASSWORD, POSTGRES_USER, POSTGRES_DB, PGDATA), so compose.yaml
# runs either unchanged (POSTGRES_IMAGE=localhost/tollgate-postgres:bookworm).
#
# Then:  podman build -f deploy/Dockerfile --build-arg RUNTIME_IMAGE=localhost/tollgate-jre17:bookworm ...
set -eu

SUITE=${SUITE:-bookworm}
MIRROR=${MIRROR:-http://deb.debian.org/debian}
SECURITY=${SECURITY:-http://deb.debian.org/debian-security}
PODMAN=${PODMAN:-podman}

packages_of() {
  case "$1" in
    jre)        echo "openjdk-17-jre-headless,ca-certificates" ;;
    maven)      echo "openjdk-17-jdk-headless,maven,ca-certificates" ;;
    redis)      echo "redis-server" ;;
    prometheus) echo "prometheus" ;;
    postgres)   echo "postgresql" ;;
    *) echo "unknown base image '$1' (expected: jre, maven, redis, prometheus or postgres)" >&2; exit 2 ;;
  esac
}

tag_of() {
  case "$1" in
    jre)   echo "localhost/tollgate-jre17:$SUITE" ;;
    maven) echo "localhost/tollgate-maven-jdk17:$SUITE" ;;
    *)     echo "localhost/tollgate-$1:$SUITE" ;;
  esac
}

here=$(cd "$(dirname "$0")" && pwd)

[ $# -gt 0 ] || set -- jre redis prometheus postgres
for name in "$@"; do
  pkgs=$(packages_of "$name")
  tag=$(tag_of "$name")
  if $PODMAN image exists "$tag"; then
    echo "$tag: present"
    continue
  fi
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  # the postgres image: its entrypoint, and no cluster of the package's own (the entrypoint makes one in PGDATA)
  set --     # the hooks of this image (the loop read its list already)
  if [ "$name" = postgres ]; then
    set -- --customize-hook="upload $here/postgres/entrypoint.sh /usr/local/bin/docker-entrypoint.sh" \
        --customize-hook='chmod 0755 "$1/usr/local/bin/docker-entrypoint.sh"' \
        --customize-hook='rm -rf "$1"/var/lib/postgresql/*/main "$1"/etc/postgresql/*/main'
  fi
  echo "$tag: mmdebstrap $SUITE with $pkgs"
  # sources are given explicitly: without them mmdebstrap reads them from stdin when stdin is not a tty
  mmdebstrap --quiet --variant=apt --include="$pkgs" "$@" \
      "$SUITE" "$work/rootfs.tar" \
      "deb $MIRROR $SUITE main" "deb $MIRROR $SUITE-updates main" "deb $SECURITY $SUITE-security main" </dev/null
  if [ "$name" = postgres ]; then
    $PODMAN import --quiet --change 'ENTRYPOINT ["/usr/local/bin/docker-entrypoint.sh"]' --change 'CMD ["postgres"]' \
        --change 'ENV PGDATA=/var/lib/postgresql/data' --change 'STOPSIGNAL SIGINT' --change 'EXPOSE 5432' \
        "$work/rootfs.tar" "$tag" >/dev/null
  else
    $PODMAN import --quiet "$work/rootfs.tar" "$tag" >/dev/null
  fi
  rm -rf "$work"
  trap - EXIT
  echo "$tag: built"
done
