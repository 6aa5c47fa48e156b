#!/bin/sh
# t-conf-idle: a configuration with no service enabled (an empty conf.d,
# and one service with enabled = false) is valid: -t passes, the daemon
# starts, logs that it is idle, serves a service that a reload finds in
# conf.d, and stops on SIGTERM with status 0, its pidfile removed.
. "$top_srcdir/tests/e2e/lib.sh"

port=$(free_port)
conf=$T/sockserv.conf
mkdir "$T/conf.d"
write_conf "$conf" <<EOC
include "$T/conf.d/*.conf"
include "off.inc"
EOC
write_conf "$T/off.inc" <<EOC
service off {
	enabled = false
	listen = "tcp://127.0.0.1:$port"
	module = "echo"
}
EOC
out=$("$SOCKSERVD" -t -c "$conf" 2>&1) || fail "-t refused it: $out"
[ "$out" = "configuration OK" ] || fail "-t said: $out"

start_daemon "$conf"
wait_until 10 log_has 'no service enabled' || fail "no idle notice"
daemon_alive || fail "daemon exited"
[ -s "$PIDFILE" ] || fail "no pidfile"
[ -z "$(listen_inode "$port")" ] || fail "disabled service is listening"

# A reload that finds a service ends the idleness.
p2=$(free_port)
write_conf "$T/conf.d/on.conf" <<EOC
service on {
	listen = "tcp://127.0.0.1:$p2"
	module = "echo"
}
EOC
kill -HUP "$DAEMON_PID"
wait_until 10 log_has '^reloaded ' || fail "reload not done"
[ "$(echo_tcp 127.0.0.1 "$p2" up)" = up ] || fail "service not served after reload"
stop_daemon TERM
[ "$DAEMON_STATUS" = 0 ] || fail "exit status $DAEMON_STATUS"
[ ! -e "$PIDFILE" ] || fail "pidfile left behind"

# Empty, it is the same.
: >"$conf"
out=$("$SOCKSERVD" -t -c "$conf" 2>&1) || fail "-t refused an empty file: $out"
exit 0
