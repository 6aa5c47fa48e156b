#!/bin/sh
# t-modes-echo: every mode (fork, prefork, thread, sync) serves the echo
# module correctly over tcp, udp, unix stream and unix datagram, to several
# clients at once.
. "$top_srcdir/tests/e2e/lib.sh"

MODES="fork prefork thread sync"
CLIENTS=3
conf=$T/sockserv.conf
{
	echo 'log_level = "debug"'
	for m in $MODES; do
		p=$(free_port)
		echo "$p" >"$T/port.$m"
		cat <<EOC
service echo_$m {
	listen = { "tcp://127.0.0.1:$p", "udp://127.0.0.1:$p",
	    "unix://$T/$m.sock", "unixgram://$T/$m.dgram" }
	module = "echo"
	mode = "$m"
	workers = 2
}
EOC
	done
} >"$conf"

start_daemon "$conf"

all=
for m in $MODES; do
	p=$(cat "$T/port.$m")
	all="$all tcp://127.0.0.1:$p udp://127.0.0.1:$p unix://$T/$m.sock unixgram://$T/$m.dgram"
done
# All clients of all modes and transports at once (threads, one process).
# shellcheck disable=SC2086
out=$(client par "$CLIENTS" $all) || fail "echo clients failed: $out"
note "$out"
daemon_alive || fail "daemon died while serving"
stop_daemon TERM
[ "$DAEMON_STATUS" = 0 ] || fail "daemon exited $DAEMON_STATUS after SIGTERM"
