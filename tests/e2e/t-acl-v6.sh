#!/bin/sh
# t-acl-v6: address rules for IPv6 clients.  On [::1]: deny ::1/128
# closes a ::1 client, allow ::1/128 serves it.  Fork and prefork (master
# and worker admission).  IPv4-mapped clients: t-acl-mapped.sh.  Skipped
# without IPv6.
. "$top_srcdir/tests/e2e/lib-priv.sh"
have_ipv6 || skip "no IPv6 on loopback"

MODES="fork prefork"
conf=$T/sockserv.conf
{
	for m in $MODES; do
		p1=$(free_port); p2=$(free_port)
		echo "$p1 $p2" >"$T/ports.$m"
		cat <<EOC
service deny6_$m {
	listen = "tcp://[::1]:$p1"
	module = "echo"
	mode = "$m"
	deny = { "::1/128" }
}
service allow6_$m {
	listen = "tcp://[::1]:$p2"
	module = "echo"
	mode = "$m"
	allow = { "::1/128" }
}
EOC
	done
} | write_conf "$conf"
start_daemon "$conf"

for m in $MODES; do
	set -- $(cat "$T/ports.$m")
	pc check ::1 "$1" ::1=closed >&2 || fail "$m: deny ::1/128 not applied"
	pc check ::1 "$2" ::1=served >&2 || fail "$m: allow ::1/128 not applied"
	wait_until 5 log_has "deny6_$m.*::1" || fail "$m: refusal of ::1 not logged"
done
stop_daemon TERM
[ "$DAEMON_STATUS" = 0 ] || fail "daemon exited $DAEMON_STATUS after SIGTERM"
