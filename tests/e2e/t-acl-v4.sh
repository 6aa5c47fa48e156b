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
# A refused client is closed: it reads EOF (or a reset), where one left
# open would make the client fail on its 10 s timeout.
for m in $MODES; do
	pa=$(cat "$T/port.acl.$m"); pb=$(cat "$T/port.only.$m")
	pc check 127.0.0.1 "$pa" 127.0.0.1=served 127.0.0.2=closed \
	    127.0.0.3=served 127.0.0.2=closed 127.0.0.1=served >&2 ||
	    fail "$m: allow 127.0.0.0/8, deny 127.0.0.2 not applied"
	pc check 127.0.0.1 "$pb" 127.0.0.1=served 127.0.0.3=closed \
	    127.0.0.1=served >&2 ||
	    fail "$m: allow 127.0.0.1/32 not applied"
	wait_until 5 log_has "acl_$m.*127\.0\.0\.2" ||
	    fail "$m: refusal of 127.0.0.2 not logged"
	wait_until 5 log_has "only_$m.*127\.0\.0\.3" ||
	    fail "$m: refusal of 127.0.0.3 not logged"
done
stop_daemon TERM
[ "$DAEMON_STATUS" = 0 ] || fail "daemon exited $DAEMON_STATUS after SIGTERM"
