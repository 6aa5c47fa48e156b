#!/bin/sh
# t-crashloop: crash-looping modules in every mode.  Workers whose module
# crashes (or fails) at init -- prefork, thread, sync, and fork-ahead
# spares -- and a module crashing on every request in fork, prefork,
# thread and sync mode, plus fork mode with init crashing in each child.
# The master does not spin (its CPU time over several seconds stays
# low), logs the back-off for every pool whose workers keep dying, never
# answers from a crashing module, never leaves a client hanging or a
# zombie behind, and keeps serving the healthy service; SIGTERM exits 0.
. "$top_srcdir/tests/e2e/lib.sh"

conf=$T/sockserv.conf
pe=$(free_port)
{
	# service NAME MODULE MODE [HOW [EXTRA]]
	svc() {
		p=$(free_port)
		echo "$p" >"$T/port.$1"
		cat <<EOC
service $1 {
	listen = "tcp://127.0.0.1:$p"
	module = "$2"
	mode = "$3"
	workers = 2
	$([ -z "${4:-}" ] || echo "crashinit { how = \"$4\" }")
	${5:-}
}
EOC
	}
	svc init_prefork crashinit prefork crash
	svc init_thread crashinit thread crash
	svc init_sync crashinit sync fail
	svc init_ahead crashinit fork crash "fork_ahead = 2"
	svc init_fork crashinit fork crash
	for m in fork prefork thread sync; do
		svc "req_$m" crash "$m"
	done
	cat <<EOC
service fine {
	listen = "tcp://127.0.0.1:$pe"
	module = "echo"
	mode = "prefork"
	workers = 1
}
EOC
} | write_conf "$conf"
start_daemon "$conf"
hz=$(getconf CLK_TCK)
sleep 1
t0=$(cpu_ticks "$DAEMON_PID") w0=$(date +%s%N)
# Requests to the modules that crash: each connection is cut (EOF or
# reset) within E2E_IO_TIMEOUT, none answered.  All services at once.
export E2E_IO_TIMEOUT=8
for s in init_fork req_fork req_prefork req_thread req_sync; do
	p=$(cat "$T/port.$s")
	(
		for i in 1 2 3; do
			r=$(client rt "tcp://127.0.0.1:$p" "x$i" 2>"$T/err.$s") ||
			    grep -Eq 'reset|Broken pipe' "$T/err.$s" ||
			    { echo "request $i: $(cat "$T/err.$s")"; exit 1; }
			[ -z "$r" ] || { echo "request $i answered '$r'"; exit 1; }
		done
	) >"$T/out.$s" 2>&1 &
	echo $! >"$T/pid.$s"
	_TRACKED="$_TRACKED $!"
done
for s in init_fork req_fork req_prefork req_thread req_sync; do
	wait "$(cat "$T/pid.$s")" || fail "$s: $(cat "$T/out.$s")"
done
sleep 2
t1=$(cpu_ticks "$DAEMON_PID")
used=$((t1 - t0)) wall=$(( ($(date +%s%N) - w0) / 10000000 ))	# 1/100 s
note "master used $used ticks in $((wall / 100)).$((wall % 100)) s"
# A spinning respawn loop burns a whole core; allow 15 %.
[ "$used" -le $((wall * hz * 15 / 10000)) ] ||
    fail "master used $used CPU ticks in $((wall / 100)) s: respawn loop spins"

daemon_alive || fail "master died"
[ "$(echo_tcp 127.0.0.1 "$pe" hello)" = hello ] ||
    fail "healthy service broken by the crashing ones"
for s in init_prefork init_thread init_sync init_ahead req_prefork req_thread \
    req_sync; do
	log_has "service $s: .*([Bb]ack.?off|delay|too (fast|quickly|often)|throttl)" ||
	    fail "no back-off logged for service $s, whose workers keep dying"
done
[ -z "$(zombies_of "$DAEMON_PID")" ] || fail "zombies left by the crashes"
stop_daemon TERM 20
[ "$DAEMON_STATUS" = 0 ] || fail "daemon exited $DAEMON_STATUS after SIGTERM"
