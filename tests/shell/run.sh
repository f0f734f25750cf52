#!/bin/sh
# Runs every tests/shell/*.sql script (on stdin) and every line of every
# tests/shell/*.args file (as command-line arguments) through sqlite3 and
# through the shell given as $1 (default build/sqlvibe), from the repository
# root, and compares
# standard output, the exit status and the error lines on stderr (sqlite3's
# caret lines under syntax errors are left out: the shell cannot place them
# yet). Prints each mismatch and ends with "shell: N passed, N failed".
SHELL_BIN=${1:-build/sqlvibe}
ORACLE=${SQLITE3:-sqlite3}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
passed=0
failed=0
for script in tests/shell/*.sql; do
    name=$(basename "$script" .sql)
    "$ORACLE" <"$script" >"$dir/want.out" 2>"$dir/want.err"
    want_rc=$?
    "$SHELL_BIN" <"$script" >"$dir/got.out" 2>"$dir/got.err"
    got_rc=$?
    grep -v '^  ' "$dir/want.err" >"$dir/want.errlines"
    grep -v '^  ' "$dir/got.err" >"$dir/got.errlines"
    ok=1
    if ! cmp -s "$dir/want.out" "$dir/got.out"; then
        echo "FAIL $name: stdout differs (- sqlite3, + sqlvibe)"
        diff -u "$dir/want.out" "$dir/got.out" | sed -n '3,40p'
        ok=0
    fi
    if [ "$want_rc" != "$got_rc" ]; then
        echo "FAIL $name: exit status $got_rc, sqlite3 gives $want_rc"
        ok=0
    fi
    if ! cmp -s "$dir/want.errlines" "$dir/got.errlines"; then
        echo "FAIL $name: stderr differs (- sqlite3, + sqlvibe)"
        diff -u "$dir/want.errlines" "$dir/got.errlines" | sed -n '3,20p'
        ok=0
    fi
    if [ $ok = 1 ]; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
done
# Command-line mode: each line of a *.args file is one invocation.
for args_file in tests/shell/*.args; do
    [ -f "$args_file" ] || continue
    name=$(basename "$args_file" .args)
    rm -f "$dir/want.db" "$dir/got.db"
    lineno=0
    while IFS= read -r line; do
        lineno=$((lineno + 1))
        case "$line" in '#'* | '') continue ;; esac
        DB="$dir/want.db" eval "\"\$ORACLE\" $line" >"$dir/want.out" 2>"$dir/want.err" </dev/null
        want_rc=$?
        DB="$dir/got.db" eval "\"\$SHELL_BIN\" $line" >"$dir/got.out" 2>"$dir/got.err" </dev/null
        got_rc=$?
        grep -v '^  ' "$dir/want.err" >"$dir/want.errlines"
        ok=1
        if ! cmp -s "$dir/want.out" "$dir/got.out"; then
            echo "FAIL $name:$lineno: stdout differs (- sqlite3, + sqlvibe)"
            diff -u "$dir/want.out" "$dir/got.out" | sed -n '3,20p'
            ok=0
        fi
        if [ "$want_rc" != "$got_rc" ]; then
            echo "FAIL $name:$lineno: exit status $got_rc, sqlite3 gives $want_rc"
            ok=0
        fi
        if ! cmp -s "$dir/want.errlines" "$dir/got.err"; then
            echo "FAIL $name:$lineno: stderr differs (- sqlite3, + sqlvibe)"
            diff -u "$dir/want.errlines" "$dir/got.err" | sed -n '3,20p'
            ok=0
        fi
        if [ $ok = 1 ]; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
    done <"$args_file"
done
echo "shell: $passed passed, $failed failed"
[ "$failed" = 0 ]
