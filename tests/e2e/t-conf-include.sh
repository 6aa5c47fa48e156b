#!/bin/sh
# t-conf-include: a configuration whose services live in a conf.d
# directory (include "conf.d/*.conf", relative to the main file).  A
# service with enabled = false is checked but not bound; a file dropped
# into the directory and a SIGHUP start its service, which then serves;
# a reload that sets enabled = false on a running service stops it: its
# port refuses connections, and the other services keep their sockets.
. "$top_srcdir/tests/e2e/lib.sh"

pk=$(free_port) pd=$(free_port) pn=$(free_port)
conf=$T/sockserv.conf
mkdir "$T/conf.d"
write_conf "$conf" <<EOC
shutdown_timeout = 2
include "conf.d/*.conf"
EOC
svc() {	# svc NAME PORT ENABLED: a service's file in conf.d, written at once
	cat >"$T/conf.d/$1.conf.new" <<EOC
service $1 {
	enabled = $3
	listen = "tcp://127.0.0.1:$2"
	module = "echo"
}
EOC
	mv -f "$T/conf.d/$1.conf.new" "$T/conf.d/$1.conf"
}
refused() { ! echo_tcp 127.0.0.1 "$1" x >/dev/null 2>&1; }
reloads() { grep -c '^reloaded ' "$DAEMON_LOG" || true; }
reload() {	# reload N: SIGHUP, wait for the Nth `reloaded'
	kill -HUP "$DAEMON_PID"
	wait_until 10 eval '[ "$(reloads)" -ge '"$1"' ]' ||
	    fail "reload $1 not done"
}

svc keep "$pk" true
svc down "$pd" false
"$SOCKSERVD" -t -c "$conf" >"$T/t.out" 2>&1 || fail "-t: $(cat "$T/t.out")"
start_daemon "$conf"
wait_until 10 eval '[ "$(echo_tcp 127.0.0.1 "$pk" hi)" = hi ]' ||
    fail "included service keep not served"
refused "$pd" || fail "disabled service down is listening"
inode=$(listen_inode "$pk")

# A new file in conf.d, then a reload: its service is served.
svc new "$pn" true
reload 1
[ "$(echo_tcp 127.0.0.1 "$pn" new)" = new ] ||
    fail "service added by a file in conf.d not served after reload"

# Disabled by a reload: stopped like a removed service.
svc keep "$pk" false
svc down "$pd" true
reload 2
wait_until 10 refused "$pk" || fail "service keep still accepts once disabled"
[ "$(echo_tcp 127.0.0.1 "$pd" on)" = on ] || fail "enabled service down not served"
[ "$(echo_tcp 127.0.0.1 "$pn" again)" = again ] || fail "service new lost"

# An error in an included file names that file and its line; the reload
# is refused and nothing changes.
printf 'service bad {\n\tlisten = "tcp://127.0.0.1:%s"\n\tmodule = "echo"\n\tbogus = 1\n}\n' \
    "$pk" >"$T/conf.d/bad.conf"
kill -HUP "$DAEMON_PID"
wait_until 10 log_has 'reload failed' || fail "bad include not refused"
log_has "$T/conf.d/bad.conf:4: unknown key 'bogus'" ||
    fail "error does not name the included file and line"
[ "$(echo_tcp 127.0.0.1 "$pn" still)" = still ] || fail "service new lost"
refused "$pk" || fail "refused reload changed the services"

stop_daemon TERM
[ "$DAEMON_STATUS" = 0 ] || fail "exit status $DAEMON_STATUS"
[ -n "$inode" ] || fail "no listening socket seen for keep"
exit 0
