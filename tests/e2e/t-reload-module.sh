#!/bin/sh
# t-reload-module: a reload switches a service from echo to upper; new
# connections get upper-cased replies while a connection opened before the
# reload keeps echoing.  For fork and prefork.
. "$top_srcdir/tests/e2e/lib.sh"
export E2E_IO_TIMEOUT=30	# held clients wait on gates

pf=$(free_port) pp=$(free_port)
conf=$T/sockserv.conf
gen_conf() {
	write_conf "$conf" <<EOC
service f {
	listen = "tcp://127.0.0.1:$pf"
	module = "$1"
	mode = "fork"
}
service p {
	listen = "tcp://127.0.0.1:$pp"
	module = "$1"
	mode = "prefork"
	workers = 2
}
EOC
}
gen_conf echo
start_daemon "$conf"

has_line() { grep -qx -- "$2" "$1" 2>/dev/null; }
for s in f p; do
	eval port=\$p$s
	[ "$(echo_tcp 127.0.0.1 "$port" hello)" = hello ] || fail "$s: no echo"
	bg client script "tcp://127.0.0.1:$port" send:before recvexp:before \
	    "wait:$T/go" send:after recvexp:after >"$T/old.$s" 2>&1
	eval old_$s=\$!
	wait_until 10 has_line "$T/old.$s" before ||
	    fail "$s: old connection not served: $(cat "$T/old.$s")"
done

gen_conf upper
kill -HUP "$DAEMON_PID"
upper_now() { [ "$(echo_tcp 127.0.0.1 "$1" hello 2>/dev/null)" = HELLO ]; }
for s in f p; do
	eval port=\$p$s
	wait_until 10 upper_now "$port" ||
	    fail "$s: new connections not upper-cased 10 s after the reload: '$(echo_tcp 127.0.0.1 "$port" hello 2>&1)'"
done

touch "$T/go"
for s in f p; do
	eval pid=\$old_$s
	wait "$pid" ||
	    fail "$s: connection opened before the reload did not keep echoing: $(cat "$T/old.$s")"
done
stop_daemon TERM
[ "$DAEMON_STATUS" = 0 ] || fail "daemon exited $DAEMON_STATUS after SIGTERM"
