#!/bin/sh
# t-reload-bad: a broken config on SIGHUP changes nothing -- the same
# listening sockets, the same behaviour -- and the errors are logged with
# FILE:LINE.
. "$top_srcdir/tests/e2e/lib.sh"

p1=$(free_port) p2=$(free_port)
conf=$T/sockserv.conf
write_conf "$conf" <<EOC
service s {
	listen = { "tcp://127.0.0.1:$p1", "unix://$T/s.sock" }
	module = "echo"
	mode = "prefork"
	workers = 2
}
EOC
start_daemon "$conf"

ino=$(listen_inode "$p1")
[ -n "$ino" ] || fail "no listener found for port $p1"
[ "$(echo_tcp 127.0.0.1 "$p1" hello)" = hello ] || fail "no echo at start"

# Broken: the service switched to upper on a new port (valid by itself),
# plus a second service whose module does not exist (line 8).
write_conf "$conf" <<EOC
service s {
	listen = { "tcp://127.0.0.1:$p2", "unix://$T/s.sock" }
	module = "upper"
	mode = "prefork"
}
service broken {
	listen = "tcp://127.0.0.1:$p1"
	module = "nosuchmod"
}
EOC
kill -HUP "$DAEMON_PID"
wait_until 10 log_has "$conf:8:.*nosuchmod" ||
    fail "reload error not logged as '$conf:8: ...nosuchmod...'"
sleep 0.5	# give a wrongly applied reload the time to show

daemon_alive || fail "daemon died on a bad reload"
[ "$(listen_inode "$p1")" = "$ino" ] ||
    fail "listener on $p1 changed (inode $ino -> '$(listen_inode "$p1")')"
[ "$(echo_tcp 127.0.0.1 "$p1" hello)" = hello ] ||
    fail "tcp behaviour changed after a bad reload"
[ "$(echo_unix "$T/s.sock" hello)" = hello ] ||
    fail "unix behaviour changed after a bad reload"
client refused "tcp://127.0.0.1:$p2" || fail "bad reload bound $p2"
n=$(children_of "$DAEMON_PID" | wc -l)
[ "$n" -ge 2 ] || fail "pool shrank to $n workers after a bad reload"

# And a good reload afterwards still works.
write_conf "$conf" <<EOC
service s {
	listen = { "tcp://127.0.0.1:$p1", "unix://$T/s.sock" }
	module = "upper"
	mode = "prefork"
	workers = 2
}
EOC
kill -HUP "$DAEMON_PID"
upper_now() { [ "$(echo_tcp 127.0.0.1 "$p1" hello 2>/dev/null)" = HELLO ]; }
wait_until 10 upper_now || fail "a good reload after a bad one was not applied"
stop_daemon TERM
[ "$DAEMON_STATUS" = 0 ] || fail "daemon exited $DAEMON_STATUS after SIGTERM"
