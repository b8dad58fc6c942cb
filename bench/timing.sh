# Sourced by the bench scripts that time a command: best-of-RUNS wall-clock timing.
# shellcheck shell=bash
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
