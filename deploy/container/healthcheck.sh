#!/bin/bash
# HEALTHCHECK: GET /healthz on the port of TOLLGATE_LISTEN, with bash's /dev/tcp only, so the
# runtime image needs no curl or wget. Exit 0 when the answer is 200.
port="${TOLLGATE_LISTEN##*:}"
port="${port:-8080}"
exec 3<>"/dev/tcp/127.0.0.1/${port}" || exit 1
printf 'GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n' >&3
read -r -t 3 version status rest <&3 || exit 1
[ "$status" = "200" ]
