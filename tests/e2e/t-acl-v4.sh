#!/bin/sh
# t-acl-v4: allow/deny by client address, in every mode (fork: checked by
# the master; prefork, thread, sync: by the worker).  allow 127.0.0.0/8
# with deny 127.0.0.2: 127.0.0.1 and .3 are served, .2 is closed at once
# without a reply and the refusal is logged with its address; allow
# 127.0.0.1 alone: .3 is closed.  The client binds its source address.
. "$top_srcdir/tests/e2e/lib-priv.sh"

MODES="fork prefork thread sync"
conf=$T/sockserv.conf
{
	for m in $MODES; do
		pa=$(free_port); pb=$(free_port)
		echo "$pa" >"$T/port.acl.$m"; echo "$pb" >"$T/port.only.$m"
		cat <<EOC
service acl_$m {
	listen = "tcp://127.0.0.1:$pa"
	module = "echo"
	mode = "$m"
	allow = { "127.0.0.0/8" }
	deny = { "127.0.0.2" }
}
service only_$m {
	listen = "tcp://127.0.0.1:$pb"
	module = "echo"
	mode = "$m"
	allow = { "127.0.0.1/32" }
}
EOC
	done
} | write_conf "$conf"
start_daemon "$conf"

# expect SRC PORT WANT: a client from SRC gets WANT (REPLY:... or CLOSED).
expect() {
	local got t0 t1
	t0=$(date +%s%N)
	got=$(pc from "$1" 127.0.0.1 "$2" "x$1") || fail "client from $1 to $2 failed"
	t1=$(date +%s%N)
	[ "$got" = "$3" ] || fail "$m: from $1 to port $2: got '$got', expected '$3'"
	# "Closed at once": well under the client's 10 s timeout.
	[ $(( (t1 - t0) / 1000000 )) -lt 3000 ] ||
	    fail "$m: from $1 to port $2: took $(( (t1 - t0) / 1000000 )) ms"
}

for m in $MODES; do
	pa=$(cat "$T/port.acl.$m"); pb=$(cat "$T/port.only.$m")
	expect 127.0.0.1 "$pa" REPLY:x127.0.0.1
	expect 127.0.0.2 "$pa" CLOSED
	expect 127.0.0.3 "$pa" REPLY:x127.0.0.3
	expect 127.0.0.2 "$pa" CLOSED
	expect 127.0.0.1 "$pa" REPLY:x127.0.0.1
	expect 127.0.0.1 "$pb" REPLY:x127.0.0.1
	expect 127.0.0.3 "$pb" CLOSED
	expect 127.0.0.1 "$pb" REPLY:x127.0.0.1
	wait_until 5 log_has "acl_$m.*127\.0\.0\.2" ||
	    fail "$m: refusal of 127.0.0.2 not logged"
	wait_until 5 log_has "only_$m.*127\.0\.0\.3" ||
	    fail "$m: refusal of 127.0.0.3 not logged"
done
stop_daemon TERM
[ "$DAEMON_STATUS" = 0 ] || fail "daemon exited $DAEMON_STATUS after SIGTERM"
