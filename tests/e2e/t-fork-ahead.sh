#!/bin/sh
# t-fork-ahead: fork mode with fork_ahead = 2.  Spares are forked ahead and
# each serves exactly one connection in its own process, which then exits;
# sequential and concurrent clients are echoed; after 200 connections
# there is no zombie and exactly the 2 spares remain; max_children = 2
# still holds a 3rd client in the backlog (spares do not count); SIGHUP
# replaces the spares and serving goes on; SIGTERM exits 0 and leaves no
# process behind.
. "$top_srcdir/tests/e2e/lib.sh"
export E2E_IO_TIMEOUT=30	# held clients wait on gates

port=$(free_port)
url=tcp://127.0.0.1:$port
write_conf "$T/sockserv.conf" <<EOC
service fa {
	listen = "$url"
	module = "slow"
	mode = "fork"
	fork_ahead = 2
	max_children = 2
}
EOC
start_daemon "$T/sockserv.conf"

nkids() { children_of "$DAEMON_PID" | wc -l; }
has_kids() { [ "$(nkids)" = "$1" ]; }
has_line() { grep -qx -- "$2" "$1" 2>/dev/null; }
# The pids of the per-connection log lines, in order.
served_pids() {
	sed -n 's/^service fa: 127\.0\.0\.1:[0-9]* pid \([0-9]*\) .*/\1/p' \
	    "$DAEMON_LOG"
}
nserved() { [ "$(served_pids | wc -l)" -ge $((base + $1)) ]; }
none_alive() {
	for p in "$@"; do
		! alive "$p" || return 1
	done
}
settled() {
	[ -z "$(zombies_of "$DAEMON_PID")" ] && has_kids 2
}

wait_until 10 has_kids 2 || fail "expected 2 spares, have $(nkids)"
spares0=$(children_of "$DAEMON_PID")
# start_daemon's readiness probe was a connection too.
wait_until 10 eval '[ "$(served_pids | wc -l)" -ge 1 ]' ||
    fail "the readiness probe was not logged"
base=$(served_pids | wc -l)

# Sequential clients: each one a different process, which then exits.
for i in 1 2 3 4 5; do
	[ "$(echo_tcp 127.0.0.1 "$port" "seq$i")" = "seq$i" ] ||
	    fail "sequential client $i not echoed"
done
wait_until 10 nserved 5 || fail "5 connections, $(served_pids | wc -l) log lines"
pids=$(served_pids | tail -n 5)
[ "$(echo "$pids" | sort -u | wc -l)" = 5 ] ||
    fail "5 connections served by fewer pids: $(echo $pids)"
# shellcheck disable=SC2086
wait_until 10 none_alive $pids || fail "a serving child did not exit"
used=0
for p in $spares0; do
	echo "$pids" | grep -qx "$p" && used=$((used + 1))
done
[ "$used" -ge 1 ] || fail "no connection went to a spare forked at start"
wait_until 10 settled || fail "after 5 connections: $(nkids) children"

# Concurrent clients (6 at once; max_children = 2 queues the rest).
client par 6 "$url" || fail "concurrent clients failed"

# 200 connections: no zombie, only the spares left, all alive.
out=$(client loop "$url" 200 50) || fail "connection loop: $out"
[ "$out" = "ok=200 fail=0" ] || fail "connection loop: $out"
wait_until 10 settled ||
    fail "after 200 connections: zombies [$(zombies_of "$DAEMON_PID" | tr '\n' ' ')], $(nkids) children"
wait_until 10 nserved 211 ||
    fail "211 connections, $(served_pids | wc -l) log lines (base $base)"
[ "$(served_pids | sort -u | wc -l)" = "$(served_pids | wc -l)" ] ||
    fail "a pid served more than one connection"

# max_children = 2: two held requests, a third waits in the backlog.
hpids=
for i in 1 2; do
	bg client script "$url" "send:hello$i" "recvexp:hello$i" \
	    "send:WAIT $T/gate.$i" "recvexp:WAIT $T/gate.$i" \
	    >"$T/out.$i" 2>&1
	hpids="$hpids $!"
	wait_until 10 has_line "$T/out.$i" "hello$i" ||
	    fail "held client $i not served: $(cat "$T/out.$i")"
done
wait_until 10 has_kids 4 || fail "2 held + 2 spares expected, $(nkids) children"
bg client script "$url" send:third recvexp:third >"$T/out.3" 2>&1
p3=$!
sleep 1.5
alive "$p3" || fail "3rd client ended early: $(cat "$T/out.3")"
! has_line "$T/out.3" third ||
    fail "3rd client served while max_children = 2 requests were in progress"
[ "$(nkids)" -le 4 ] || fail "$(nkids) children with max_children = 2"
touch "$T/gate.1"
wait_until 10 has_line "$T/out.3" third ||
    fail "3rd client not served after one finished: $(cat "$T/out.3")"
wait "$p3" || fail "3rd client failed: $(cat "$T/out.3")"
touch "$T/gate.2"
for p in $hpids; do
	wait "$p" || fail "a held client failed"
done
wait_until 10 settled || fail "after the held clients: $(nkids) children"

# SIGHUP: the old spares exit, new ones take their place.
old=$(children_of "$DAEMON_PID")
kill -HUP "$DAEMON_PID"
wait_until 10 log_has "reloaded" || fail "no reload"
# shellcheck disable=SC2086
wait_until 10 none_alive $old || fail "old spares still alive after SIGHUP"
wait_until 10 settled || fail "after SIGHUP: $(nkids) children"
new=$(children_of "$DAEMON_PID")
for p in $new; do
	echo "$old" | grep -qx "$p" && fail "spare $p survived the reload"
done
[ "$(echo_tcp 127.0.0.1 "$port" after-hup)" = after-hup ] ||
    fail "no echo after SIGHUP"
wait_until 10 settled || fail "after the last client: $(nkids) children"

# SIGTERM: exit 0, nothing left.
last=$(children_of "$DAEMON_PID")
stop_daemon TERM
[ "$DAEMON_STATUS" = 0 ] || fail "daemon exited $DAEMON_STATUS after SIGTERM"
# shellcheck disable=SC2086
wait_until 5 none_alive $last || fail "spares left after SIGTERM"
exit 0
