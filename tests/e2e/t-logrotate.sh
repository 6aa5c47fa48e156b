#!/bin/sh
# t-logrotate: the logrotate file make install puts in
# $(sysconfdir)/logrotate.d, with its paths pointed at a temporary tree,
# passes `logrotate -d', and real rotations (`logrotate -f') of a running
# daemon's log leave the daemon writing to the new file: the master
# reopened it (postrotate's SIGUSR1 reached it through the pidfile),
# workers log their requests there, and nothing more lands in the rotated
# file, which is compressed one rotation later.
. "$top_srcdir/tests/e2e/lib.sh"

command -v logrotate >/dev/null || skip "no logrotate"
command -v pkill >/dev/null || skip "no pkill"

# The installed layout under $T: $(localstatedir)=$T/var,
# $(runstatedir)=$T/run.
mkdir -p "$T/var/log/sockserv" "$T/run/sockserv"
sed -e "s|@sysconfdir@|$T/etc|g" -e "s|@localstatedir@|$T/var|g" \
    -e "s|@runstatedir@|$T/run|g" \
    "$top_srcdir/etc/logrotate.d/sockserv.in" >"$T/logrotate.conf"
grep -q @ "$T/logrotate.conf" && fail "unsubstituted: $(grep @ "$T/logrotate.conf")"
log=$T/var/log/sockserv/sockservd.log
PIDFILE=$T/run/sockserv/sockservd.pid
rotate() { logrotate -s "$T/logrotate.state" "$@" "$T/logrotate.conf"; }

p=$(free_port)
write_conf "$T/c.conf" <<EOC
log = "$log"
log_level = "info"
service echo {
	listen = "tcp://127.0.0.1:$p"
	module = "echo"
	mode = "prefork"
	workers = 2
}
EOC
start_daemon "$T/c.conf"

out=$(rotate -d 2>&1) || fail "logrotate -d: $out"
case $out in
*"considering log $log"*) ;;
*) fail "logrotate -d does not consider $log: $out" ;;
esac
if printf '%s\n' "$out" | grep -i 'error'; then
	fail "logrotate -d reports errors"
fi

# served TAG: a round trip, then its request line in the current log.
served() {
	[ "$(echo_tcp 127.0.0.1 "$p" "$1")" = "$1" ] || fail "no echo"
	wait_until 5 grep -Eq "service echo: 127\.0\.0\.1:[0-9]+ pid [0-9]+ duration" "$log"
}

served one || fail "no request line in $log"
rotate -f || fail "logrotate -f failed"
[ -s "$log.1" ] || fail "no $log.1 after the rotation"
wait_until 5 grep -q 'log reopened' "$log" || fail "the master did not reopen $log"
before=$(wc -l <"$log.1")
served two || fail "no request line in the new $log after the rotation"
[ "$(wc -l <"$log.1")" = "$before" ] ||
    fail "lines went to the rotated file: $(tail -n 3 "$log.1")"

rotate -f || fail "second logrotate -f failed"
[ -s "$log.2.gz" ] || fail "no $log.2.gz after a second rotation"
wait_until 5 grep -q 'log reopened' "$log" || fail "no reopen after the second rotation"
served three || fail "no request line in $log after the second rotation"
stop_daemon TERM
[ "$DAEMON_STATUS" = 0 ] || fail "daemon exited $DAEMON_STATUS"

# With no daemon running, postrotate neither fails nor signals anything:
# not without a pidfile, and not the process that now has the pid of a
# stale one (SIGUSR1 would kill it), even if it is called sockservd.
[ ! -e "$PIDFILE" ] || fail "pidfile left behind"
rotate -f || fail "logrotate -f with the daemon stopped failed"
cp "$(command -v sleep)" "$T/sockservd"
bg "$T/sockservd" 60
echo "$!" >"$PIDFILE"
echo "a line to rotate" >>"$log"
rotate -f 2>/dev/null || fail "logrotate -f with a stale pidfile failed"
alive "$!" || fail "postrotate signalled pid $! of a stale pidfile"
exit 0
