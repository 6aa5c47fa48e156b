#!/bin/bash
# contrib/bench/run.sh -- run the benchmark: sockservd in every mode, the
# bare-syscall limit servers, the bare epoll loop that shows the load
# generator's own ceiling, and (where installed) Python's socketserver,
# tcpserver and Apache prefork + mod_echo, under the same workloads.
#
#   contrib/bench/run.sh [--builddir DIR] [--duration S] [--runs N]
#                        [--install] [--quick] [--write-doc] [--only RE]
#
# Each server is pinned to CPU 0 and the load generator to CPU 1.  Every
# workload runs --runs times (default 3), in rounds that take every server
# in turn, and the median is reported.  All
# traffic is on 127.0.0.1; every server is started in its own process
# group and stopped by PID when it is done or when the script exits.
#
#   --install    apt-get install ucspi-tcp apache2 gnuplot first
#   --quick      one short run of sockservd and the bare servers (CI smoke)
#   --write-doc  put the table and chart into doc/performance.md
set -eu

cmdline="contrib/bench/run.sh $*"
top=$(cd "$(dirname "$0")/../.." && pwd)
builddir=$top/_build
duration=5
runs=3
install=no
quick=no
write_doc=no
only=.
while [ $# -gt 0 ]; do
	case $1 in
	--builddir) builddir=$(cd "$2" && pwd); shift ;;
	--duration) duration=$2; shift ;;
	--runs) runs=$2; shift ;;
	--install) install=yes ;;
	--quick) quick=yes; duration=1; runs=1 ;;
	--write-doc) write_doc=yes ;;
	--only) only=$2; shift ;;
	*) echo "usage: $0 [--builddir DIR] [--duration S] [--runs N]" \
	    "[--install] [--quick] [--write-doc] [--only REGEX]" >&2; exit 64 ;;
	esac
	shift
done

bench=$builddir/contrib/bench
loadgen=$bench/loadgen
[ -x "$loadgen" ] || { echo "run.sh: build first ($loadgen missing)" >&2; exit 1; }
if [ "$install" = yes ]; then
	sudo=; [ "$(id -u)" -eq 0 ] || sudo=sudo
	$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	    ucspi-tcp apache2 gnuplot python3 >/dev/null
fi
ncpu=$(nproc)
pin_server=; pin_load=
if command -v taskset >/dev/null && [ "$ncpu" -ge 2 ]; then
	pin_server="taskset -c 0"
	pin_load="taskset -c 1"
fi

work=$(mktemp -d /tmp/sockserv-bench.XXXXXX)
results=$work/results.tsv
server_pid=
cleanup() {
	stop_server
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() {
	python3 -c 'import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# wait_port PORT: poll until something accepts on it (10 s at most).
wait_port() {
	local i
	for i in $(seq 100); do
		if python3 -c 'import socket, sys
socket.create_connection(("127.0.0.1", int(sys.argv[1])), 1).close()' "$1" \
		    2>/dev/null; then
			return 0
		fi
		sleep 0.1
	done
	echo "run.sh: nothing listens on port $1" >&2
	return 1
}

# start CMD...: run a server in its own session, pinned, remember its PID.
start() {
	setsid $pin_server "$@" >"$work/server.out" 2>&1 &
	server_pid=$!
}

stop_server() {
	local i
	[ -n "$server_pid" ] || return 0
	kill -TERM -- "-$server_pid" 2>/dev/null || true
	for i in $(seq 50); do
		kill -0 "$server_pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL -- "-$server_pid" 2>/dev/null || true
	wait "$server_pid" 2>/dev/null || true
	server_pid=
}

sockservd_conf() {	# MODE PORT [FORK_AHEAD]
	cat >"$work/sockserv.conf" <<EOF
pidfile = "$work/sockservd.pid"
log = "$work/sockservd.log"
log_level = "notice"
service bench {
	listen = { "tcp://127.0.0.1:$2", "udp://127.0.0.1:$2" }
	module = "echo"
	mode = "$1"
	fork_ahead = ${3:-0}
	max_children = 256
	max_workers = 256
	request_queue_size = 128
}
EOF
}

apache_conf() {		# PORT
	local mods=/usr/lib/apache2/modules
	cat >"$work/httpd.conf" <<EOF
ServerRoot "$work"
ServerName 127.0.0.1
PidFile "$work/httpd.pid"
ErrorLog "$work/httpd-error.log"
LoadModule mpm_prefork_module $mods/mod_mpm_prefork.so
LoadModule echo_module $mods/mod_echo.so
User www-data
Group www-data
Listen 127.0.0.1:$1
ProtocolEcho On
StartServers 16
MinSpareServers 8
MaxSpareServers 32
ServerLimit 256
MaxRequestWorkers 256
EOF
}

# start_named NAME PORT: start one of the servers under test.
start_named() {
	local name=$1 port=$2
	case $name in
	sockservd-forkahead)
		sockservd_conf fork "$port" 4
		SOCKSERV_MODULE_DIR=$builddir/.libs \
		    start "$builddir/sockservd" -f -c "$work/sockserv.conf" ;;
	sockservd-*)
		sockservd_conf "${name#sockservd-}" "$port"
		SOCKSERV_MODULE_DIR=$builddir/.libs \
		    start "$builddir/sockservd" -f -c "$work/sockserv.conf" ;;
	bare-fork) start "$bench/bare-fork" "$port" ;;
	bare-prefork) start "$bench/bare-prefork" "$port" 16 ;;
	bare-udp) start "$bench/bare-udp" "$port" ;;
	bare-epoll) start "$bench/bare-epoll" "$port" ;;
	python-fork) start python3 "$top/contrib/bench/py-echo.py" fork "$port" ;;
	python-thread) start python3 "$top/contrib/bench/py-echo.py" thread "$port" ;;
	tcpserver) start tcpserver -H -R -l 0 -c 256 -b 128 127.0.0.1 "$port" /bin/cat ;;
	apache-prefork)
		apache_conf "$port"
		start /usr/sbin/apache2 -f "$work/httpd.conf" -DFOREGROUND ;;
	esac
	[ "$name" = bare-udp ] && { sleep 0.3; return 0; }
	wait_port "$port"
}

available() {
	case $1 in
	python-*) command -v python3 >/dev/null ;;
	tcpserver) command -v tcpserver >/dev/null ;;
	apache-prefork) [ -x /usr/sbin/apache2 ] &&
	    [ -f /usr/lib/apache2/modules/mod_echo.so ] ;;
	*) true ;;
	esac
}

# Workloads: name, loadgen arguments.
workloads_for() {
	case $1 in
	bare-udp) echo "W4" ;;
	sockservd-forkahead) echo "W1c1 W1c32 L1" ;;
	sockservd-fork|sockservd-prefork) echo "W1c1 W1c32 W2 W3 W4 L1" ;;
	sockservd-*) echo "W1c1 W1c32 W2 W3 W4" ;;
	bare-fork|bare-prefork) echo "W1c1 W1c32 W2 W3 L1" ;;
	# The generator's ceiling: a server that is never the bottleneck.
	bare-epoll) echo "W1c1 W1c32 W2" ;;
	*) echo "W1c1 W1c32 W2 W3" ;;
	esac
}
# L1: W1 at concurrency 1 paced to 200 connections a second, so that the
# server is idle between them: the latency a client sees when the server
# is not already saturated (fork-ahead's case).
workload_args() {
	case $1 in
	L1) echo "--mode conn --concurrency 1 --rate 200" ;;
	W1c1) echo "--mode conn --concurrency 1" ;;
	W1c32) echo "--mode conn --concurrency 32" ;;
	W2) echo "--mode persist --concurrency 32" ;;
	W3) echo "--mode conn --concurrency 8 --idle 100" ;;
	W4) echo "--mode udp --concurrency 32" ;;
	esac
}

field() {	# KEY LINE
	sed -n "s/.* $1=\\([^ ]*\\).*/\\1/p; s/^$1=\\([^ ]*\\).*/\\1/p" <<<"$2" | head -1
}

# measure SERVER WORKLOAD PORT: one run, kept in $raw for the medians.
measure() {
	local line
	# shellcheck disable=SC2046
	line=$($pin_load "$loadgen" $(workload_args "$2") \
	    --duration "$duration" "127.0.0.1:$3")
	printf '%s\t%s\t%s\t%s\n' "$1" "$2" "$(field ops_per_s "$line")" \
	    "$line" >>"$raw"
}

# median SERVER WORKLOAD: the median of its runs, as a row of results.tsv.
median() {
	local line errs=0 k
	line=$(awk -F'\t' -v s="$1" -v w="$2" '$1 == s && $2 == w {
		print $3 "\t" $4 }' "$raw" | sort -n |
	    sed -n "$(( (runs + 1) / 2 ))p" | cut -f2-)
	for k in refused reset timeout mismatch other; do
		errs=$((errs + $(field "err_$k" "$line")))
	done
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$2" \
	    "$(field ops_per_s "$line")" "$(field p50_us "$line")" \
	    "$(field p99_us "$line")" "$(field max_us "$line")" "$errs" |
	    tee -a "$results"
}

# Memory of a running sockservd: master peak RSS, mean worker PSS (KiB).
memory() {
	local master=$server_pid pids pss=0 n=0 p v
	# The libtool wrapper execs, so the session leader is the master.
	pids=$(pgrep -P "$master" || true)
	for p in $pids; do
		v=$(awk '/^Pss:/ { print $2 }' "/proc/$p/smaps_rollup" 2>/dev/null || echo)
		[ -n "$v" ] || continue
		pss=$((pss + v)); n=$((n + 1))
	done
	printf '%s\tmemory\tmaster_hwm_kib=%s\tmaster_rss_kib=%s\tworker_pss_kib=%s\tworkers=%s\n' \
	    "$1" "$(awk '/^VmHWM:/ { print $2 }' "/proc/$master/status")" \
	    "$(awk '/^VmRSS:/ { print $2 }' "/proc/$master/status")" \
	    "$((n ? pss / n : 0))" "$n"
}

# W1 at 32 while SIGHUP is sent every second.
reload_run() {
	local server=$1 port=$2 line end hups=0
	$pin_load "$loadgen" --mode conn --concurrency 32 \
	    --duration "$((duration * 2))" "127.0.0.1:$port" >"$work/reload.out" &
	local lg=$!
	end=$((SECONDS + duration * 2))
	while [ $SECONDS -lt $end ] && kill -0 $lg 2>/dev/null; do
		sleep 1
		kill -HUP "$server_pid" && hups=$((hups + 1))
	done
	wait $lg
	line=$(cat "$work/reload.out")
	local errs=0 k
	for k in refused reset timeout mismatch other; do
		errs=$((errs + $(field "err_$k" "$line")))
	done
	printf '%s\tW1c32+HUP\t%s\t%s\t%s\t%s\t%s\n' "$server" \
	    "$(field ops_per_s "$line")" "$(field p50_us "$line")" \
	    "$(field p99_us "$line")" "$(field max_us "$line")" "$errs"
	echo "# $server: $hups SIGHUPs during the reload run"
}

servers="sockservd-fork sockservd-forkahead sockservd-prefork sockservd-thread
sockservd-sync bare-fork bare-prefork bare-udp bare-epoll"
[ "$quick" = yes ] || servers="$servers python-fork python-thread tcpserver apache-prefork"

# Rounds: every server in turn, then again, so that a slow spell of a
# shared machine lands on all of them rather than on one server's runs.
echo "# sockserv benchmark $(date -u +%FT%TZ) on $(nproc) CPUs, $(uname -r)," \
    "duration ${duration}s, median of $runs rounds" | tee "$results"
printf 'server\tworkload\tops_per_s\tp50_us\tp99_us\tmax_us\terrors\n' | tee -a "$results"
raw=$work/raw.tsv
: >"$raw"
for round in $(seq "$runs"); do
	for s in $servers; do
		grep -Eq "$only" <<<"$s" && available "$s" || continue
		port=$(free_port)
		start_named "$s" "$port"
		for wl in $(workloads_for "$s"); do
			# W3 measures a server that has adapted to its
			# idle clients: one run of it first, unmeasured
			# (doc/performance.md gives the growth time too).
			[ "$wl" != W3 ] || $pin_load "$loadgen" \
			    $(workload_args W3) --duration "$duration" \
			    "127.0.0.1:$port" >/dev/null
			measure "$s" "$wl" "$port"
		done
		case $round,$s in
		"$runs",sockservd-prefork|"$runs",sockservd-fork)
			memory "$s" >>"$work/extra.$s"
			[ "$quick" = yes ] ||
			    reload_run "$s" "$port" >>"$work/extra.$s" ;;
		esac
		stop_server
	done
	echo "# round $round of $runs done" >&2
done
for s in $servers; do
	grep -Eq "$only" <<<"$s" || continue
	if ! available "$s"; then
		echo "# $s: not installed (run with --install)" | tee -a "$results"
		continue
	fi
	for wl in $(workloads_for "$s"); do
		median "$s" "$wl"
	done
	[ ! -f "$work/extra.$s" ] || tee -a "$results" <"$work/extra.$s"
done

if [ "$write_doc" = yes ]; then
	"$top/contrib/bench/report.sh" "$results" "$top/doc/performance.md" \
	    "$top/doc/performance.png" "$cmdline"
fi
cp "$results" "${BENCH_RESULTS:-/tmp/sockserv-bench-results.tsv}"
