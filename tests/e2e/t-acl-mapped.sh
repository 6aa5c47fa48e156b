#!/bin/sh
# t-acl-mapped: one client address, two spellings.  A service listens on a
# dual-stack `*' port (an IPv4 client shows as ::ffff:a.b.c.d) and on a
# plain 127.0.0.1 port, with allow 127.0.0.0/8, a deny rule written as
# IPv4-mapped IPv6 (::ffff:127.0.0.3/128) and max_per_source = 2.  In
# fork, prefork, thread and sync mode: the deny applies to 127.0.0.3 on
# both ports, ::1 is not allowed, 127.0.0.1 is served; and (not in sync,
# which serves one connection at a time) 127.0.0.1 holding one
# connection on each port has used its 2: a third is closed on either
# port, 127.0.0.2 is still served.  Skipped without IPv6.
. "$top_srcdir/tests/e2e/lib-priv.sh"
have_ipv6 || skip "no IPv6 on loopback"

MODES="fork prefork thread sync"
conf=$T/sockserv.conf
{
	for m in $MODES; do
		pa=$(free_port) pb=$(free_port)
		echo "$pa $pb" >"$T/ports.$m"
		cat <<EOC
service m_$m {
	listen = { "tcp://*:$pa", "tcp://127.0.0.1:$pb" }
	module = "echo"
	mode = "$m"
	workers = 4
	allow = { "127.0.0.0/8" }
	deny = { "::ffff:127.0.0.3/128" }
	max_per_source = 2
}
EOC
	done
} | write_conf "$conf"
start_daemon "$conf"

for m in $MODES; do
	set -- $(cat "$T/ports.$m")
	pa=$1 pb=$2
	pc check 127.0.0.1 "$pa" 127.0.0.1=served 127.0.0.3=closed >&2 ||
	    fail "$m: dual-stack port: rules on mapped peers"
	pc check ::1 "$pa" ::1=closed >&2 || fail "$m: ::1 admitted by allow 127.0.0.0/8"
	pc check 127.0.0.1 "$pb" 127.0.0.1=served 127.0.0.3=closed >&2 ||
	    fail "$m: IPv4 port: a rule written as ::ffff:127.0.0.3 not applied"
	[ "$m" != sync ] || continue

	# One connection from 127.0.0.1 on each port: two of one client.
	bg pc hold 127.0.0.1 127.0.0.1 "$pb" 1 "$T/rb.$m" "$T/stop.$m" verify \
	    >"$T/hb.$m" 2>&1
	hb=$!
	bg pc hold 127.0.0.1 127.0.0.1 "$pa" 1 "$T/ra.$m" "$T/stop.$m" verify \
	    >"$T/ha.$m" 2>&1
	ha=$!
	wait_until 10 eval "test -f '$T/rb.$m' && test -f '$T/ra.$m'" ||
	    fail "$m: held connections not served: $(cat "$T/hb.$m" "$T/ha.$m")"
	for p in "$pa" "$pb"; do
		got=$(pc from 127.0.0.1 127.0.0.1 "$p" third) ||
		    fail "$m: third client failed"
		[ "$got" = CLOSED ] ||
		    fail "$m: a third connection of 127.0.0.1 (port $p) got '$got': ::ffff:127.0.0.1 and 127.0.0.1 counted apart"
	done
	pc check 127.0.0.1 "$pa" 127.0.0.2=served >&2 ||
	    fail "$m: 127.0.0.2 refused while 127.0.0.1 was at its limit"
	touch "$T/stop.$m"
	wait "$hb" && wait "$ha" || fail "$m: a holder failed"
	grep -qx 'closed=0' "$T/ha.$m" && grep -qx 'closed=0' "$T/hb.$m" ||
	    fail "$m: held connections closed"
done
stop_daemon TERM
[ "$DAEMON_STATUS" = 0 ] || fail "daemon exited $DAEMON_STATUS after SIGTERM"
