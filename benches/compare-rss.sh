#!/bin/sh
# Runs the peak-memory binaries built against sqlvibe ($1) and SQLite ($2)
# and prints one table: workload, peak RSS growth in KiB for each (sqlvibe
# with max_memory = 4 MiB, SQLite with cache_size = -1024).
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
status=0
"$1" >"$out/vibe" || status=1
"$2" >"$out/lite" || status=1
printf '%-38s %14s %14s\n' "peak RSS growth (KiB)" "sqlvibe" "sqlite"
awk -F '\t' 'NR == FNR { vibe[$1] = $2; next }
    { printf "%-38s %14s %14s\n", $1, ($1 in vibe) ? vibe[$1] : "-", $2 }' "$out/vibe" "$out/lite"
exit $status
