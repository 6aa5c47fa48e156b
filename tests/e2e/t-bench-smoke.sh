#!/bin/bash
# t-bench-smoke: the benchmark still runs end to end.  One short run of the
# runner against sockservd (fork, fork-ahead, prefork), the bare limit
# servers and the bare epoll loop (the generator's ceiling), paced
# workload (L1) included; it
# asserts that every workload was served without errors, never how fast
# (speed is measured by contrib/bench/run.sh by hand, not in a test).
. "$top_srcdir/tests/e2e/lib.sh"

command -v python3 >/dev/null || skip "python3 missing"
out=$T/results.tsv
BENCH_RESULTS=$out "$top_srcdir/contrib/bench/run.sh" --quick \
    --builddir "$top_builddir" \
    --only 'sockservd-(fork|prefork)|bare-(prefork|udp|epoll)' >"$T/run.out" 2>&1 ||
	{ cat "$T/run.out" >&2; fail "run.sh failed"; }
cat "$out" >&2

# server  workload  ops_per_s  p50  p99  max  errors
rows=$(awk -F'\t' '$2 ~ /^(W[124]|L1)/' "$out" | wc -l)
[ "$rows" -eq 21 ] || fail "expected 21 W1/W2/W4/L1 result rows, got $rows"
awk -F'\t' '$2 ~ /^(W[124]|L1)/ && ($3 + 0 <= 0 || $7 != 0) { bad = bad $1 " " $2 "; " }
    END { if (bad != "") { print "unserved or failed: " bad; exit 1 } }' "$out" >&2 ||
	fail "a workload was not served cleanly"
awk -F'\t' '$2 == "memory" && $4 ~ /master_rss_kib=[1-9]/ { ok = 1 } END { exit !ok }' \
    "$out" || fail "no memory figures for the sockservd master"
exit 0
