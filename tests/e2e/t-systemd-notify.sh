#!/bin/sh
# t-systemd-notify: with NOTIFY_SOCKET set, sockservd -f tells systemd, on
# a real notify socket (a Unix datagram socket, as systemd's), in order:
# READY=1 with a STATUS= summary once serving; RELOADING=1 with
# MONOTONIC_USEC then READY=1 with STATUS= saying the result, for a good
# and a bad reload; STOPPING=1 at SIGTERM.  With WATCHDOG_USEC set it
# pings WATCHDOG=1 from its loop, and STATUS= follows the requests served.
. "$top_srcdir/tests/e2e/lib.sh"

grep -q '^#define HAVE_SYSTEMD 1' "$top_builddir/config.h" ||
    skip "built without libsystemd"
[ -e /usr/lib/x86_64-linux-gnu/libsystemd.so.0 ] ||
    ldconfig -p 2>/dev/null | grep -q 'libsystemd\.so\.0' ||
    skip "libsystemd.so.0 not installed"

# notify_listen SOCK OUT: receive datagrams on SOCK, one line each in OUT
# (newlines inside a message shown as `|').
notify_listen() {
	"$PYTHON" - "$1" "$2" <<'PYEOF' &
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
with open(sys.argv[2], "a", buffering=1) as out:
    while True:
        msg = s.recv(4096).decode(errors="replace")
        out.write(msg.replace("\n", "|") + "\n")
PYEOF
	_TRACKED="$_TRACKED $!"
}
msgs=$T/notify.log
: >"$msgs"
notify_listen "$T/notify.sock" "$msgs"
wait_until 5 test -S "$T/notify.sock" || fail "notify socket not created"

p=$(free_port)
conf=$T/sockserv.conf
service() {
	write_conf "$conf" <<EOC
service s {
	listen = "tcp://127.0.0.1:$p"
	module = "$1"
	mode = "prefork"
	workers = 2
}
EOC
}
service echo
NOTIFY_SOCKET=$T/notify.sock
export NOTIFY_SOCKET
start_daemon "$conf"
has() { grep -Eq -- "$1" "$msgs"; }
wait_until 10 has '^READY=1' || fail "no READY=1"
grep -E '^READY=1\|STATUS=1 service; workers: [0-9]+ busy, [0-9]+ idle;' \
    "$msgs" >/dev/null || fail "READY=1 without the status summary: $(head -1 "$msgs")"

# A good reload, then a bad one (unknown module: line 3).
service upper
kill -HUP "$DAEMON_PID"
wait_until 10 has 'STATUS=reloaded' || fail "no READY=1 after a good reload"
service nosuchmod
kill -HUP "$DAEMON_PID"
wait_until 10 has 'STATUS=reload failed' ||
    fail "no READY=1 saying the reload failed"
[ "$(echo_tcp 127.0.0.1 "$p" hi)" = HI ] || fail "not serving the good config"
stop_daemon TERM
[ "$DAEMON_STATUS" = 0 ] || fail "exit $DAEMON_STATUS after SIGTERM"
wait_until 5 has '^STOPPING=1' || fail "no STOPPING=1"

# The states in order (STATUS=-only lines are the timer's updates).
got=$(grep -v '^STATUS=' "$msgs" | sed -E \
    -e 's/^RELOADING=1\|MONOTONIC_USEC=[0-9]+\|STATUS=reloading$/RELOADING/' \
    -e 's/^READY=1\|STATUS=reloaded$/READY-reloaded/' \
    -e 's/^READY=1\|STATUS=reload failed.*/READY-failed/' \
    -e 's/^READY=1\|STATUS=.*/READY/' -e 's/^STOPPING=1.*/STOPPING/' |
    tr '\n' ' ')
want="READY RELOADING READY-reloaded RELOADING READY-failed STOPPING "
[ "$got" = "$want" ] || fail "messages: got '$got', want '$want'
$(cat "$msgs")"
! has 'WATCHDOG' || fail "WATCHDOG=1 sent without WATCHDOG_USEC"

# MONOTONIC_USEC is CLOCK_MONOTONIC in microseconds: near the test's now.
usec=$(grep -o 'MONOTONIC_USEC=[0-9]*' "$msgs" | head -1 | cut -d= -f2)
now=$("$PYTHON" -c 'import time; print(int(time.monotonic() * 1e6))')
[ $((now - usec)) -ge 0 ] && [ $((now - usec)) -lt 60000000 ] ||
    fail "MONOTONIC_USEC=$usec is not the monotonic clock (now $now)"

# The watchdog: WatchdogSec=0.4 s, pings at half of it from the loop.
: >"$msgs"
service echo
WATCHDOG_USEC=400000
export WATCHDOG_USEC
start_daemon "$conf"
wait_until 10 has '^READY=1' || fail "no READY=1 (watchdog run)"
pings() { [ "$(grep -c '^WATCHDOG=1' "$msgs")" -ge "$1" ]; }
wait_until 5 pings 5 || fail "fewer than 5 WATCHDOG=1 in 5 s"
# STATUS= follows what was served (start_daemon's probe is one more).
served() {
	grep -o 'served: [0-9]*$' "$msgs" | tail -1 | cut -d' ' -f2
}
before=$(served)
for i in 1 2 3; do
	[ "$(echo_tcp 127.0.0.1 "$p" "x$i")" = "x$i" ] || fail "no echo $i"
done
three_more() { [ "$(served)" -ge $((before + 3)) ]; }
wait_until 5 three_more ||
    fail "STATUS= does not count 3 more requests than $before: $(served)"
stop_daemon TERM
[ "$DAEMON_STATUS" = 0 ] || fail "exit $DAEMON_STATUS after SIGTERM (watchdog)"
