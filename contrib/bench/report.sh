#!/bin/bash
# contrib/bench/report.sh RESULTS.tsv DOC.md CHART.png COMMAND
#
# Write one benchmark run (the TSV that run.sh produced) into the
# "results" section of doc/performance.md, with the ratios the targets
# are stated in, and draw the chart with gnuplot when it is installed.
set -eu
results=$1 doc=$2 chart=$3 command=$4

get() {	# SERVER WORKLOAD [COLUMN] -> ops/s (or column 4: p50 µs)
	awk -F'\t' -v s="$1" -v w="$2" -v c="${3:-3}" \
	    '$1 == s && $2 == w { print $c }' "$results"
}
ratio() {	# A B -> A/B with 2 decimals, or n/a
	awk -v a="${1:-}" -v b="${2:-}" 'BEGIN {
		if (a == "" || b == "" || b + 0 == 0) print "n/a";
		else printf "%.2f", a / b }'
}
times() {	# A B -> A/B as "0.93×", or n/a
	local r
	r=$(ratio "$@")
	[ "$r" = n/a ] && echo "$r" || echo "$r×"
}

table=$(mktemp)
{
	echo "<!-- results:begin (written by contrib/bench/report.sh) -->"
	echo
	echo "Command: \`$command\`"
	echo
	sed -n '1s/^# /Run: /p' "$results"
	echo
	echo "| server | workload | ops/s | p50 µs | p99 µs | max µs | errors |"
	echo "|---|---|---:|---:|---:|---:|---:|"
	awk -F'\t' 'NR > 2 && $0 !~ /^#/ && $2 != "memory" {
		printf "| %s | %s | %s | %s | %s | %s | %s |\n",
		    $1, $2, $3, $4, $5, $6, $7 }' "$results"
	echo
	echo "Memory (KiB):"
	echo
	awk -F'\t' '$2 == "memory" { print "- " $1 ": " $3 ", " $4 ", " $5 ", " $6 }' "$results"
	grep '^# .*not installed\|SIGHUPs' "$results" | sed 's/^# /- /' || true
	echo
	echo "The generator's ceiling, what it reaches against the bare epoll loop:" \
	    "W1c1 $(get bare-epoll W1c1), W1c32 $(get bare-epoll W1c32)" \
	    "conn/s, W2 $(get bare-epoll W2) requests/s." \
	    "A server's W1c32 ranks it only if it" \
	    "is clearly below the ceiling: bare prefork at" \
	    "$(times "$(get bare-prefork W1c32)" "$(get bare-epoll W1c32)")," \
	    "sockservd prefork at" \
	    "$(times "$(get sockservd-prefork W1c32)" "$(get bare-epoll W1c32)")," \
	    "Apache prefork at" \
	    "$(times "$(get apache-prefork W1c32)" "$(get bare-epoll W1c32)") of it."
	echo
	echo "Ratios in this run (the targets):"
	echo
	echo "| target | ratio |"
	echo "|---|---:|"
	echo "| fork W1c1 / bare fork W1c1 (≥ 0.9) | $(ratio "$(get sockservd-fork W1c1)" "$(get bare-fork W1c1)") |"
	echo "| fork W1c32 / bare fork W1c32 (≥ 0.9) | $(ratio "$(get sockservd-fork W1c32)" "$(get bare-fork W1c32)") |"
	echo "| fork W1c1 / Python ForkingTCPServer W1c1 (≥ 8) | $(ratio "$(get sockservd-fork W1c1)" "$(get python-fork W1c1)") |"
	echo "| fork W1c32 / Python ForkingTCPServer W1c32 (≥ 8) | $(ratio "$(get sockservd-fork W1c32)" "$(get python-fork W1c32)") |"
	echo "| prefork W1c1 / bare prefork W1c1 (≥ 0.9) | $(ratio "$(get sockservd-prefork W1c1)" "$(get bare-prefork W1c1)") |"
	echo "| prefork W1c32 / bare prefork W1c32 (≥ 0.9) | $(ratio "$(get sockservd-prefork W1c32)" "$(get bare-prefork W1c32)") |"
	echo "| prefork W2 / bare prefork W2 (≥ 0.9) | $(ratio "$(get sockservd-prefork W2)" "$(get bare-prefork W2)") |"
	echo "| prefork W1c32 / Apache prefork W1c32 (> 1) | $(ratio "$(get sockservd-prefork W1c32)" "$(get apache-prefork W1c32)") |"
	echo "| prefork W2 / Apache prefork W2 (> 1) | $(ratio "$(get sockservd-prefork W2)" "$(get apache-prefork W2)") |"
	echo "| prefork W3 / prefork W1 at c8 (≥ 0.8; W1c32 used as the c8 stand-in) | $(ratio "$(get sockservd-prefork W3)" "$(get sockservd-prefork W1c32)") |"
	echo "| prefork UDP W4 / bare UDP W4 (≥ 0.8) | $(ratio "$(get sockservd-prefork W4)" "$(get bare-udp W4)") |"
	echo "| prefork W1c32 during reloads / without (≥ 0.8) | $(ratio "$(get sockservd-prefork W1c32+HUP)" "$(get sockservd-prefork W1c32)") |"
	echo "| fork W1c32 during reloads / without (≥ 0.8) | $(ratio "$(get sockservd-fork W1c32+HUP)" "$(get sockservd-fork W1c32)") |"
	echo "| fork-ahead L1 p50 / prefork L1 p50, paced c1 (≤ 2) | $(ratio "$(get sockservd-forkahead L1 4)" "$(get sockservd-prefork L1 4)") |"
	echo "| fork (no spares) L1 p50 / prefork L1 p50, paced c1 | $(ratio "$(get sockservd-fork L1 4)" "$(get sockservd-prefork L1 4)") |"
	echo "| fork-ahead W1c1 p50 / prefork W1c1 p50, closed loop | $(ratio "$(get sockservd-forkahead W1c1 4)" "$(get sockservd-prefork W1c1 4)") |"
	echo "| fork-ahead W1c1 / fork W1c1 (throughput cost of spares) | $(ratio "$(get sockservd-forkahead W1c1)" "$(get sockservd-fork W1c1)") |"
	echo
	[ -n "$chart" ] && command -v gnuplot >/dev/null &&
	    echo "![connections per second per server and workload](performance.png)"
	echo
	echo "<!-- results:end -->"
} >"$table"

# Replace the section between the markers (or append it).
if grep -q '<!-- results:begin' "$doc"; then
	awk -v f="$table" '
		/<!-- results:begin/ { while ((getline l < f) > 0) print l; skip = 1; next }
		/<!-- results:end/ { skip = 0; next }
		!skip' "$doc" >"$doc.new" && mv "$doc.new" "$doc"
else
	cat "$table" >>"$doc"
fi
rm -f "$table"

if command -v gnuplot >/dev/null; then
	data=$(mktemp)
	awk -F'\t' 'NR > 2 && $0 !~ /^#/ && $2 ~ /^W[1-3]/ && $2 !~ /HUP/ {
		v[$1, $2] = $3; s[$1] = 1; w[$2] = 1 }
	END {
		n = split("W1c1 W1c32 W2 W3", ws, " ")
		printf "server"; for (i = 1; i <= n; i++) printf "\t%s", ws[i]; print ""
		for (x in s) {
			printf "%s", x
			for (i = 1; i <= n; i++) printf "\t%s", ((x, ws[i]) in v) ? v[x, ws[i]] : 0
			print ""
		}
	}' "$results" >"$data"
	gnuplot -e "data='$data'; out='$chart'" "$(dirname "$0")/chart.gp"
	rm -f "$data"
fi
