#!/bin/sh
# t-max-children: with max_children = 3 and three requests in progress, a
# fourth client is connected (it waits in the backlog) but not served until
# one of the first three finishes; then it is served.  For fork and thread.
. "$top_srcdir/tests/e2e/lib.sh"
export E2E_IO_TIMEOUT=30	# held clients wait on gates

conf=$T/sockserv.conf
{
	for m in fork thread; do
		p=$(free_port); echo "$p" >"$T/port.$m"
		cat <<EOC
service slow_$m {
	listen = "tcp://127.0.0.1:$p"
	module = "slow"
	mode = "$m"
	max_children = 3
}
EOC
	done
} >"$conf"
start_daemon "$conf"

has_line() { grep -qx -- "$2" "$1" 2>/dev/null; }

for m in fork thread; do
	url=tcp://127.0.0.1:$(cat "$T/port.$m")
	pids=
	base=$(children_of "$DAEMON_PID" | wc -l)	# the thread worker
	# Three clients, each served (hello echoed), then held on a gate.
	for i in 1 2 3; do
		bg client script "$url" "send:hello$i" "recvexp:hello$i" \
		    "send:WAIT $T/gate.$m.$i" "recvexp:WAIT $T/gate.$m.$i" \
		    >"$T/out.$m.$i" 2>&1
		pids="$pids $!"
		wait_until 10 has_line "$T/out.$m.$i" "hello$i" ||
		    fail "$m: client $i not served: $(cat "$T/out.$m.$i")"
	done
	if [ "$m" = fork ]; then
		n=$(children_of "$DAEMON_PID" | wc -l)
		[ "$n" = $((base + 3)) ] ||
		    fail "fork: $((n - base)) children for 3 connections"
	fi

	# The fourth connects (backlog) but must not be served yet.
	bg client script "$url" send:fourth recvexp:fourth >"$T/out.$m.4" 2>&1
	p4=$!
	sleep 1.5
	alive "$p4" || fail "$m: 4th client ended early: $(cat "$T/out.$m.4")"
	! has_line "$T/out.$m.4" fourth ||
	    fail "$m: 4th client served while 3 requests were in progress"
	if [ "$m" = fork ]; then
		n=$(children_of "$DAEMON_PID" | wc -l)
		[ "$n" -le $((base + 3)) ] ||
		    fail "fork: $((n - base)) children with max_children = 3"
	fi

	# One finishes: the fourth is served.
	touch "$T/gate.$m.1"
	wait_until 10 has_line "$T/out.$m.4" fourth ||
	    fail "$m: 4th client not served after one finished: $(cat "$T/out.$m.4")"
	wait "$p4" || fail "$m: 4th client failed: $(cat "$T/out.$m.4")"
	touch "$T/gate.$m.2" "$T/gate.$m.3"
	for p in $pids; do
		wait "$p" || fail "$m: a held client failed"
	done
done
stop_daemon TERM
[ "$DAEMON_STATUS" = 0 ] || fail "daemon exited $DAEMON_STATUS after SIGTERM"
