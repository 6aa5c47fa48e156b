#!/bin/sh
# t-limits-max-children: 200 idle connections against a fork-mode service
# with max_children = 40.  The master runs exactly 40 children (never
# more, sampled over time and across a reload), the other connections
# wait in the backlog, and the master stays responsive: SIGHUP is logged
# and applied, SIGTERM stops it (idle children killed after the drain).
. "$top_srcdir/tests/e2e/lib-priv.sh"

P=$(free_port)
conf=$T/sockserv.conf
write_conf "$conf" <<EOC
shutdown_timeout = 2
service held {
	listen = "tcp://127.0.0.1:$P"
	module = "echo"
	mode = "fork"
	max_children = 40
	request_queue_size = 512
}
EOC
start_daemon "$conf"

nkids() { children_of "$DAEMON_PID" | wc -l; }
at_40() { [ "$(nkids)" = 40 ]; }
# never_over SECS: sample the child count every 0.1 s for SECS.
never_over() {
	local i n
	for i in $(seq 1 $(( $1 * 10 ))); do
		n=$(nkids)
		[ "$n" -le 40 ] || fail "$n children with max_children = 40"
		sleep 0.1
	done
}

bg pc hold "" 127.0.0.1 "$P" 200 "$T/ready" "$T/stop" >"$T/hold.out" 2>&1
HOLDER=$!
wait_until 30 test -f "$T/ready" || fail "200 connections not established"
[ "$(cat "$T/ready")" = 200 ] || fail "only $(cat "$T/ready") connections"
wait_until 15 at_40 || fail "$(nkids) children, expected 40"
never_over 2

kill -HUP "$DAEMON_PID"
wait_until 10 log_has 'reloaded' || fail "SIGHUP not acted on (no 'reloaded' in the log)"
never_over 2
daemon_alive || fail "daemon died"

kids=$(children_of "$DAEMON_PID")
t0=$(date +%s)
stop_daemon TERM 15
[ "$DAEMON_STATUS" = 0 ] || fail "daemon exited $DAEMON_STATUS after SIGTERM"
note "stopped $(( $(date +%s) - t0 )) s after SIGTERM with 40 busy children"
for kid in $kids; do
	wait_until 5 eval "! alive $kid" || fail "child $kid outlived the master"
done
touch "$T/stop"
wait "$HOLDER" || true
