#!/bin/bash
# contrib/bench/scale.sh -- what sockservd costs as its work grows.
#
#   contrib/bench/scale.sh [--builddir DIR] [--quick]
#
# Prints one table row per figure (doc/performance.md, "Cost as work
# grows"):
#   * `sockservd -t' time, start-up, reload time, the master's resident
#     size and the connection rate of one service (W1c1) with 1, 100 and
#     1,000 services (fork mode: the master's own cost, no worker per
#     service);
#   * memory per idle connection in thread and prefork modes: the summed
#     proportional set size (Pss) of every daemon process, before and after
#     K clients connect and stay idle, divided by K;
#   * accept latency (loadgen paced at 200 conn/s, c1: p50/p99) with a
#     prefork pool of 16 and of 1,000 idle workers.
# All traffic is on 127.0.0.1; every daemon is started in the foreground in
# its own session and stopped by PID, also when the script is interrupted.
# --quick: 10 services at most, 20 idle clients, a pool of 100 (CI smoke).
set -eu

top=$(cd "$(dirname "$0")/../.." && pwd)
builddir=$top/_build
quick=no
while [ $# -gt 0 ]; do
	case $1 in
	--builddir) builddir=$(cd "$2" && pwd); shift ;;
	--quick) quick=yes ;;
	*) echo "usage: $0 [--builddir DIR] [--quick]" >&2; exit 64 ;;
	esac
	shift
done
sockservd=$builddir/sockservd
loadgen=$builddir/contrib/bench/loadgen
[ -x "$loadgen" ] || { echo "scale.sh: build first ($loadgen missing)" >&2; exit 1; }
export SOCKSERV_MODULE_DIR=$builddir/.libs

work=$(mktemp -d /tmp/sockserv-scale.XXXXXX)
daemon_pid=
holder_pid=
cleanup() {
	[ -n "$holder_pid" ] && kill "$holder_pid" 2>/dev/null
	stop_daemon
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

now_ms() { echo $(( $(date +%s%N) / 1000000 )); }

# wait_for SECONDS CMD...: poll CMD every 10 ms until it succeeds.
wait_for() {
	local end=$(( $(now_ms) + $1 * 1000 )); shift
	until "$@"; do
		[ "$(now_ms)" -lt "$end" ] || return 1
		sleep 0.01
	done
}

# Ports from a base that the kernel does not hand out as ephemeral ones.
base_port() {
	python3 -c 'import random; print(random.randrange(20000, 28000, 10))'
}

# conf_services N MODE [EXTRA]: N services on consecutive ports.
conf_services() {
	local n=$1 mode=$2 extra=${3:-} i port=$base
	{
		echo "pidfile = \"$work/pid\""
		echo "log = \"$work/log\""
		echo 'log_level = "notice"'
		for i in $(seq "$n"); do
			printf 'service s%d {\n\tlisten = { "tcp://127.0.0.1:%d" }\n' "$i" "$port"
			printf '\tmodule = "echo"\n\tmode = "%s"\n%s}\n' "$mode" "$extra"
			port=$((port + 1))
		done
	} >"$work/conf"
}

start_daemon() {
	rm -f "$work/pid" "$work/log"
	setsid taskset -c 0 "$sockservd" -f -c "$work/conf" 2>"$work/err" &
	daemon_pid=$!
	wait_for 120 listening "$base"
}

listening() {
	(exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

stop_daemon() {
	local i
	[ -n "$daemon_pid" ] || return 0
	kill -TERM "$daemon_pid" 2>/dev/null || true
	for i in $(seq 100); do
		kill -0 "$daemon_pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL -- "-$daemon_pid" 2>/dev/null || true
	wait "$daemon_pid" 2>/dev/null || true
	daemon_pid=
}

rss_kib() { awk '/^VmRSS/ { print $2 }' "/proc/$1/status"; }

# Pss of the daemon's session (master and every worker), KiB.
pss_kib() {
	local p sum=0 v
	for p in $(pgrep -s "$daemon_pid"); do
		v=$(awk '/^Pss:/ { print $2 }' "/proc/$p/smaps_rollup" 2>/dev/null) ||
		    continue
		sum=$((sum + ${v:-0}))
	done
	echo "$sum"
}

# More processes in the daemon's session than n workers (the master too).
pool_up() { [ "$(pgrep -c -s "$daemon_pid")" -gt "$1" ]; }

reloaded() { [ "$(grep -c 'reloaded' "$work/log")" -ge "$1" ]; }

row() { printf '| %s | %s |\n' "$1" "$2"; }

services() {
	local n=$1 t0 t1 rss0 rss1
	conf_services "$n" fork
	t0=$(now_ms)
	"$sockservd" -t -c "$work/conf" >/dev/null 2>&1
	t1=$(now_ms)
	row "-t, $n services" "$((t1 - t0)) ms"
	t0=$(now_ms)
	start_daemon
	t1=$(now_ms)
	row "start to serving, $n services" "$((t1 - t0)) ms"
	sleep 0.5
	rss0=$(rss_kib "$daemon_pid")
	t0=$(now_ms)
	kill -HUP "$daemon_pid"
	wait_for 300 reloaded 1
	t1=$(now_ms)
	rss1=$(rss_kib "$daemon_pid")
	row "reload, $n services" "$((t1 - t0)) ms"
	row "master RSS, $n services (start / after reload)" "$rss0 / $rss1 KiB"
	row "fork mode, $n services: W1c1 on one of them" "$(taskset -c 1 \
	    "$loadgen" --mode conn --concurrency 1 --duration 2 \
	    "127.0.0.1:$base" | tr ' ' '\n' | awk -F= '/^ops_per_s/ { print $2 }') conn/s"
	stop_daemon
}

# idle MODE K: memory per idle connection.
idle() {
	local mode=$1 k=$2 before after
	conf_services 1 "$mode" "	max_children = $((k + 16))
	workers = 4
	max_workers = $((k + 16))
	max_spare = $((k + 16))
	timeout = 600
"
	start_daemon
	sleep 1
	before=$(pss_kib)
	python3 - "$base" "$k" >"$work/holder.out" 2>&1 <<'EOF' &
import socket, sys, time
port, k = int(sys.argv[1]), int(sys.argv[2])
socks = []
for i in range(k):
    s = socket.create_connection(("127.0.0.1", port), 10)
    s.sendall(b"x\n"); s.recv(16)	# served: a worker or thread holds it
    socks.append(s)
print("held", len(socks), flush=True)
time.sleep(600)
EOF
	holder_pid=$!
	wait_for 120 grep -q "^held $k" "$work/holder.out"
	sleep 1
	after=$(pss_kib)
	row "$mode: memory per idle connection ($k held)" \
	    "$(( (after - before) / k )) KiB (Pss $before -> $after KiB)"
	kill "$holder_pid"; wait "$holder_pid" 2>/dev/null || true
	holder_pid=
	stop_daemon
}

# latency WORKERS: paced accept latency with a pool of that many idle.
latency() {
	local w=$1 out
	conf_services 1 prefork "	workers = $w
	max_workers = $w
	min_spare = 0
	max_spare = $w
"
	start_daemon
	wait_for 120 pool_up "$w"
	out=$(taskset -c 1 "$loadgen" --mode conn --concurrency 1 --rate 200 \
	    --duration 3 "127.0.0.1:$base")
	row "prefork, $w workers: accept latency p50 / p99 (200 conn/s)" \
	    "$(echo "$out" | tr ' ' '\n' | awk -F= '/^p50_us/ { p = $2 }
	    /^p99_us/ { q = $2 } END { print p " / " q " us" }')"
	stop_daemon
}

base=$(base_port)
echo "| figure | value |"
echo "|---|---|"
if [ "$quick" = yes ]; then
	services 1; services 10
	idle thread 20; idle prefork 20
	latency 16; latency 100
else
	services 1; services 100; services 1000
	idle thread 200; idle prefork 200
	latency 16; latency 1000
fi
echo "(contrib/bench/scale.sh, $(date -u +%FT%TZ), load average $(cut -d' ' -f1-3 /proc/loadavg))"
