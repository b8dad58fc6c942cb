#!/bin/sh
# Starts tollgate as PID 1 of the container (exec: the JVM itself receives SIGTERM and drains).
# A config file mounted at /etc/tollgate/tollgate.yaml is used when present and TOLLGATE_CONFIG
# is not set; without one tollgate runs on TOLLGATE_* variables and built-in defaults.
set -e
if [ -z "${TOLLGATE_CONFIG:-}" ] && [ -f /etc/tollgate/tollgate.yaml ]; then
  export TOLLGATE_CONFIG=/etc/tollgate/tollgate.yaml
fi
# A first argument that is an option or a command of the jar runs the jar; anything else
# (e.g. `sh`) runs as given, for debugging.
case "${1:-serve}" in
  -*|serve|stats|pricing|check-config|key-id|watch|help)
    # JAVA_OPTS is split on spaces on purpose: it holds several JVM flags.
    # shellcheck disable=SC2086
    exec java ${JAVA_OPTS:-} -jar /opt/tollgate/tollgate.jar "$@" ;;
  *)
    exec "$@" ;;
esac
