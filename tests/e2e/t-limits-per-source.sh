#!/bin/sh
# t-limits-per-source: max_per_source = 2.  With two connections from
# 127.0.0.1 held open (both served), a third from 127.0.0.1 is closed at
# once and logged, while 127.0.0.2 is still served; once the two are
# closed, 127.0.0.1 is served again.  Fork (the master counts its
# children per address), prefork (the workers count, through the
# scoreboard) and thread (the worker asks libsockserv's thread strategy).
. "$top_srcdir/tests/e2e/lib-priv.sh"

MODES="fork prefork thread"
conf=$T/sockserv.conf
{
	for m in $MODES; do
		p=$(free_port); echo "$p" >"$T/port.$m"
		cat <<EOC
service ps_$m {
	listen = "tcp://127.0.0.1:$p"
	module = "echo"
	mode = "$m"
	workers = 5
	min_spare = 1
	max_spare = 8
	max_per_source = 2
}
EOC
	done
} | write_conf "$conf"
start_daemon "$conf"

served_from() {	# SRC PORT TEXT: the client from SRC gets its line back
	[ "$(pc from "$1" 127.0.0.1 "$2" "$3")" = "REPLY:$3" ]
}
for m in $MODES; do
	p=$(cat "$T/port.$m")
	bg pc hold 127.0.0.1 127.0.0.1 "$p" 2 "$T/ready.$m" "$T/stop.$m" verify \
	    >"$T/hold.$m" 2>&1
	hp=$!
	wait_until 10 test -f "$T/ready.$m" ||
	    fail "$m: two connections from 127.0.0.1 not served: $(cat "$T/hold.$m")"
	got=$(pc from 127.0.0.1 127.0.0.1 "$p" third) || fail "$m: third client failed"
	[ "$got" = CLOSED ] || fail "$m: third connection from 127.0.0.1 got '$got'"
	served_from 127.0.0.2 "$p" other || fail "$m: 127.0.0.2 not served"
	got=$(pc from 127.0.0.1 127.0.0.1 "$p" fourth) || fail "$m: fourth client failed"
	[ "$got" = CLOSED ] || fail "$m: fourth connection from 127.0.0.1 got '$got'"
	wait_until 5 log_has "ps_$m.*127\.0\.0\.1.*max_per_source|max_per_source.*ps_$m" ||
	    fail "$m: refusal not logged"
	# The held pair was never disturbed.
	touch "$T/stop.$m"
	wait "$hp" || fail "$m: holder failed"
	grep -qx 'closed=0' "$T/hold.$m" || fail "$m: held connections closed: $(cat "$T/hold.$m")"
	# Freed: 127.0.0.1 is served again (once the children are reaped).
	wait_until 10 served_from 127.0.0.1 "$p" again ||
	    fail "$m: 127.0.0.1 not served after its connections closed"
done
stop_daemon TERM
[ "$DAEMON_STATUS" = 0 ] || fail "daemon exited $DAEMON_STATUS after SIGTERM"
