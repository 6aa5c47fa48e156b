#!/bin/sh
# t-reload-load: clients connecting without pause see no failed connection
# while the master gets 10 SIGHUPs (each a real change of configuration),
# for a fork and a prefork service.
. "$top_srcdir/tests/e2e/lib.sh"

pf=$(free_port) pp=$(free_port)
conf=$T/sockserv.conf
gen_conf() {	# gen_conf N: variant N of the config (workers, max_children)
	write_conf "$conf" <<EOC
shutdown_timeout = 10
service f {
	listen = "tcp://127.0.0.1:$pf"
	module = "echo"
	mode = "fork"
	max_children = $((40 + $1 % 2))
}
service p {
	listen = "tcp://127.0.0.1:$pp"
	module = "echo"
	mode = "prefork"
	workers = $((2 + $1 % 2))
}
EOC
}
gen_conf 0
start_daemon "$conf"

export E2E_STOP_FILE=$T/stop
bg client loop "tcp://127.0.0.1:$pf" 200000 40 >"$T/loop.f" 2>&1; lf=$!
bg client loop "tcp://127.0.0.1:$pp" 200000 40 >"$T/loop.p" 2>&1; lp=$!
sleep 0.5
for i in $(seq 1 10); do
	gen_conf "$i"
	kill -HUP "$DAEMON_PID"
	sleep 0.4
	daemon_alive || fail "daemon died at reload $i"
done
sleep 0.5
touch "$E2E_STOP_FILE"
rf=0 rp=0
wait "$lf" || rf=$?
wait "$lp" || rp=$?
note "fork: $(cat "$T/loop.f" | tr '\n' ' ')"
note "prefork: $(cat "$T/loop.p" | tr '\n' ' ')"
[ "$rf" = 0 ] || fail "fork service: failed connections during reloads: $(cat "$T/loop.f")"
[ "$rp" = 0 ] || fail "prefork service: failed connections during reloads: $(cat "$T/loop.p")"
for f in "$T/loop.f" "$T/loop.p"; do
	ok=$(sed -n 's/^ok=\([0-9]*\) .*/\1/p' "$f")
	[ "${ok:-0}" -ge 20 ] || fail "too few connections to mean anything: $(cat "$f")"
done
stop_daemon TERM
[ "$DAEMON_STATUS" = 0 ] || fail "daemon exited $DAEMON_STATUS after SIGTERM"
