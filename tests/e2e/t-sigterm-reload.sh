#!/bin/sh
# t-sigterm-reload: SIGTERM while a reload is under way.  A reload made
# slow (a module check sleeping 1 s, run in the trial child and again in
# the master) adds a listener and resizes a pool; SIGTERM comes while it
# loads.  The daemon still drains: the request in progress is served to
# completion, then it exits 0; no process of either generation is left,
# the pidfile and every unix socket file (the one the reload added too)
# are gone.  Then SIGTERM 0 to 30 ms after SIGHUP, four times: same end.
. "$top_srcdir/tests/e2e/lib.sh"
export E2E_IO_TIMEOUT=30	# the held client waits on a gate

pp=$(free_port)
conf=$T/sockserv.conf
gen_conf() {	# gen_conf N CHECK_MS: variant N (1 adds service n)
	cat >"$conf.new" <<EOC
shutdown_timeout = 15
service p {
	listen = { "tcp://127.0.0.1:$pp", "unix://$T/p.sock" }
	module = "slow"
	mode = "prefork"
	workers = $((2 + $1))
	slow { check_ms = $2 }
}
EOC
	[ "$1" = 0 ] || cat >>"$conf.new" <<EOC
service n {
	listen = "unix://$T/n.sock"
	module = "echo"
	mode = "thread"
}
EOC
	mv -f "$conf.new" "$conf"
}
# stopped_clean WHAT PIDS...: exit 0, none of PIDS alive, files removed.
stopped_clean() {
	local what=$1 p
	shift
	wait_daemon_exit 20 || fail "$what: daemon still running 20 s after SIGTERM"
	[ "$DAEMON_STATUS" = 0 ] || fail "$what: daemon exited $DAEMON_STATUS"
	for p in "$@"; do
		wait_until 5 eval "! alive $p" ||
		    fail "$what: process $p outlived the daemon"
	done
	for f in "$PIDFILE" "$T/p.sock" "$T/n.sock"; do
		[ ! -e "$f" ] || fail "$what: $f left behind"
	done
}

gen_conf 0 0
start_daemon "$conf"
# A request in progress across the reload and the stop.
bg client script "tcp://127.0.0.1:$pp" send:one recvexp:one \
    "send:WAIT $T/go" "recvexp:WAIT $T/go" send:two recvexp:two \
    >"$T/held.out" 2>&1
held=$!
wait_until 10 eval 'grep -qx one "$T/held.out"' || fail "held client not served"
gen_conf 1 1000
kill -HUP "$DAEMON_PID"
wait_until 10 log_has '^reloading ' || fail "the reload did not start"
kill -TERM "$DAEMON_PID"
# Every process seen from now on must be gone at the end.
seen=$(descendants_of "$DAEMON_PID")
wait_until 10 eval '! addr_ready "tcp://127.0.0.1:$pp"' ||
    fail "still accepting 10 s after SIGTERM"
seen="$seen $(descendants_of "$DAEMON_PID")"
daemon_alive || fail "daemon exited with a request in progress"
touch "$T/go"
wait "$held" || fail "the request in progress was cut: $(cat "$T/held.out")"
# shellcheck disable=SC2086
stopped_clean "slow reload" $seen
note "slow reload: $(grep -E '^(reload|shutting|stopped)' "$DAEMON_LOG" | tr '\n' '|')"

for ms in 0 3 10 30; do
	gen_conf 0 0
	start_daemon "$conf"
	gen_conf 1 0
	seen=$(descendants_of "$DAEMON_PID")
	kill -HUP "$DAEMON_PID"
	[ "$ms" = 0 ] || sleep "0.0$(printf '%02d' "$ms")"
	seen="$seen $(descendants_of "$DAEMON_PID")"
	kill -TERM "$DAEMON_PID"
	seen="$seen $(descendants_of "$DAEMON_PID")"
	# shellcheck disable=SC2086
	stopped_clean "SIGTERM $ms ms after SIGHUP" $seen
done
exit 0
