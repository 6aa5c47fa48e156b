#!/bin/sh
# t-sigterm-drain: after SIGTERM a connection in progress is served to
# completion, new connections are refused, then the daemon exits 0, the
# pidfile and the unix socket file are gone.  For fork and prefork.
. "$top_srcdir/tests/e2e/lib.sh"
export E2E_IO_TIMEOUT=30	# held clients wait on gates

pf=$(free_port) pp=$(free_port)
conf=$T/sockserv.conf
write_conf "$conf" <<EOC
shutdown_timeout = 30
service f {
	listen = { "tcp://127.0.0.1:$pf", "unix://$T/f.sock" }
	module = "slow"
	mode = "fork"
}
service p {
	listen = "tcp://127.0.0.1:$pp"
	module = "slow"
	mode = "prefork"
	workers = 2
}
EOC
start_daemon "$conf"
wait_until 5 test -s "$PIDFILE" || fail "no pidfile $PIDFILE"
[ "$(cat "$PIDFILE")" = "$DAEMON_PID" ] ||
    fail "pidfile has '$(cat "$PIDFILE")', daemon is $DAEMON_PID"

has_line() { grep -qx -- "$2" "$1" 2>/dev/null; }
for s in f p; do
	eval port=\$p$s
	# In progress across the signal: a request held on a gate, then more.
	bg client script "tcp://127.0.0.1:$port" send:one recvexp:one \
	    "send:WAIT $T/go" "recvexp:WAIT $T/go" send:two recvexp:two \
	    >"$T/out.$s" 2>&1
	eval c_$s=\$!
	wait_until 10 has_line "$T/out.$s" one ||
	    fail "$s: not served before SIGTERM: $(cat "$T/out.$s")"
done
sleep 0.2	# let the WAIT lines reach the handlers
kill -TERM "$DAEMON_PID"

# Checked for every listener, then the drain goes on: one run shows all.
refused() { client refused "$1" 2>/dev/null; }
accepting=
for u in "tcp://127.0.0.1:$pf" "tcp://127.0.0.1:$pp" "unix://$T/f.sock"; do
	wait_until 5 refused "$u" || accepting="$accepting $u"
done
daemon_alive || fail "daemon exited before its requests were done"

touch "$T/go"
for s in f p; do
	eval pid=\$c_$s
	wait "$pid" || fail "$s: request in progress not completed: $(cat "$T/out.$s")"
done
wait_daemon_exit 10 || fail "daemon still running 10 s after its last request"
[ "$DAEMON_STATUS" = 0 ] || fail "daemon exited $DAEMON_STATUS after SIGTERM"
[ ! -e "$PIDFILE" ] || fail "pidfile left behind"
[ ! -e "$T/f.sock" ] || fail "unix socket file left behind"
[ -z "$accepting" ] ||
    fail "still accepting connections 5 s after SIGTERM:$accepting"
