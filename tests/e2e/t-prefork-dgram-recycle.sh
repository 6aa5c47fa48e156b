#!/bin/sh
# t-prefork-dgram-recycle: in prefork mode only the pool's `workers' serve
# datagrams; one that recycles (max_requests) is replaced by another that
# does, even though the pool may grow past `workers' and the replacement
# starts while the old worker is still finishing.  With workers = 1 and a
# recycle every 5 requests, 40 datagrams need 8 replacements in a row.
. "$top_srcdir/tests/e2e/lib.sh"

port=$(free_port)
write_conf "$T/sockserv.conf" <<EOC
service d {
	listen = { "udp://127.0.0.1:$port", "tcp://127.0.0.1:$port" }
	module = "echo"
	mode = "prefork"
	workers = 1
	max_workers = 4
	max_requests = 5
}
EOC
start_daemon "$T/sockserv.conf"
wait_ready "$T/sockserv.conf"

for i in $(seq 40); do
	[ "$(echo_udp 127.0.0.1 "$port" "d$i")" = "d$i" ] ||
	    fail "datagram $i not answered (children: $(children_of "$DAEMON_PID" | tr '\n' ' '))"
done
# Connections still go to any worker.
[ "$(echo_tcp 127.0.0.1 "$port" "tcp")" = "tcp" ] || fail "TCP echo failed"
stop_daemon TERM
[ "$DAEMON_STATUS" = 0 ] || fail "daemon exited $DAEMON_STATUS after SIGTERM"
exit 0
