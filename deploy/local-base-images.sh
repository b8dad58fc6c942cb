#!/bin/sh
# Builds the base images of deploy/ from Debian packages, for machines that cannot pull
# public images (no registry but Debian's is reachable). Each image is built only when
# its tag is missing, so repeated runs cost nothing. Needs root (or subuids), mmdebstrap, podman.
#
#   deploy/local-base-images.sh [jre|redis|prometheus|maven]...   (default: jre redis prometheus)
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
    *) echo "unknown base image '$1' (expected: jre, maven, redis or prometheus)" >&2; exit 2 ;;
  esac
}

tag_of() {
  case "$1" in
    jre)   echo "localhost/tollgate-jre17:$SUITE" ;;
    maven) echo "localhost/tollgate-maven-jdk17:$SUITE" ;;
    *)     echo "localhost/tollgate-$1:$SUITE" ;;
  esac
}

[ $# -gt 0 ] || set -- jre redis prometheus
for name in "$@"; do
  pkgs=$(packages_of "$name")
  tag=$(tag_of "$name")
  if $PODMAN image exists "$tag"; then
    echo "$tag: present"
    continue
  fi
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  echo "$tag: mmdebstrap $SUITE with $pkgs"
  # sources are given explicitly: without them mmdebstrap reads them from stdin when stdin is not a tty
  mmdebstrap --quiet --variant=apt --include="$pkgs" \
      "$SUITE" "$work/rootfs.tar" \
      "deb $MIRROR $SUITE main" "deb $MIRROR $SUITE-updates main" "deb $SECURITY $SUITE-security main" </dev/null
  $PODMAN import --quiet "$work/rootfs.tar" "$tag" >/dev/null
  rm -rf "$work"
  trap - EXIT
  echo "$tag: built"
done
