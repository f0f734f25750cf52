#!/bin/sh
# Runs the benchmark binaries built against sqlvibe ($1) and SQLite ($2) one
# after the other and prints one table: workload, ops/s for each, and the
# ratio sqlvibe/sqlite (> 1 means sqlvibe is faster). A workload sqlvibe
# could not finish shows "-".
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
status=0
"$1" >"$out/vibe" || status=1
"$2" >"$out/lite" || status=1
printf '%-38s %14s %14s %7s\n' "workload" "sqlvibe ops/s" "sqlite ops/s" "ratio"
awk -F '\t' 'NR == FNR { vibe[$1] = $4; next }
    { if ($1 in vibe && $4 > 0)
          printf "%-38s %14.0f %14.0f %7.2f\n", $1, vibe[$1], $4, vibe[$1] / $4;
      else
          printf "%-38s %14s %14.0f %7s\n", $1, "-", $4, "-" }' "$out/vibe" "$out/lite"
exit $status
