#!/bin/sh
# t-limits-timeout: timeout = 1 in every mode.  A connection that sends
# nothing is closed by the server within a few seconds (and not before
# about a second); a connection that sends a byte every 0.5 s for 3.5 s
# (each echoed) is never closed.
. "$top_srcdir/tests/e2e/lib-priv.sh"

MODES="fork prefork thread sync"
conf=$T/sockserv.conf
{
	for m in $MODES; do
		p=$(free_port); echo "$p" >"$T/port.$m"
		cat <<EOC
service to_$m {
	listen = "tcp://127.0.0.1:$p"
	module = "echo"
	mode = "$m"
	timeout = 1
	workers = 2
}
EOC
	done
} | write_conf "$conf"
start_daemon "$conf"

# Every mode at once (each check takes seconds): an idle and a busy
# client.  sync serves one connection at a time, so there the busy client
# starts only once the idle one has been closed.
for m in $MODES; do
	p=$(cat "$T/port.$m")
	bg pc idle 127.0.0.1 "$p" 6 >"$T/idle.$m" 2>&1
	echo $! >"$T/idle.$m.pid"
	[ "$m" = sync ] && continue
	bg pc busy 127.0.0.1 "$p" 3.5 0.5 >"$T/busy.$m" 2>&1
	echo $! >"$T/busy.$m.pid"
done
for m in $MODES; do
	wait "$(cat "$T/idle.$m.pid")" ||
	    fail "$m: idle connection not closed: $(cat "$T/idle.$m")"
	if [ "$m" = sync ]; then
		bg pc busy 127.0.0.1 "$(cat "$T/port.$m")" 3.5 0.5 \
		    >"$T/busy.$m" 2>&1
		echo $! >"$T/busy.$m.pid"
	fi
	secs=$(cat "$T/idle.$m")
	awk -v s="$secs" 'BEGIN { exit !(s >= 0.8 && s <= 5) }' ||
	    fail "$m: idle connection closed after $secs s, expected about 1"
	wait "$(cat "$T/busy.$m.pid")" ||
	    fail "$m: busy connection closed: $(cat "$T/busy.$m")"
	note "$m: idle closed after $secs s; busy: $(cat "$T/busy.$m")"
done
stop_daemon TERM
[ "$DAEMON_STATUS" = 0 ] || fail "daemon exited $DAEMON_STATUS after SIGTERM"
