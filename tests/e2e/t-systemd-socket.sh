#!/bin/sh
# t-systemd-socket: socket activation with the real systemd-socket-activate.
# It listens first and starts the daemon (in its own place: LISTEN_PID is
# its pid) at the first connection, which must be served, not refused.
# The passed sockets are matched to the config's addresses (TCP and a
# Unix stream path) and used instead of binding; one no service claims is
# logged and closed; an address not passed is bound as usual; a reload
# keeps the passed sockets (the same socket, the new module); the Unix
# socket's file, systemd's, is left where it is at the stop.
. "$top_srcdir/tests/e2e/lib.sh"

command -v systemd-socket-activate >/dev/null ||
    skip "systemd-socket-activate not installed"
grep -q '^#define HAVE_SYSTEMD 1' "$top_builddir/config.h" ||
    skip "built without libsystemd"

p=$(free_port) p2=$(free_port) pfree=$(free_port)
conf=$T/sockserv.conf
service() {
	write_conf "$conf" <<EOC
service s {
	listen = { "tcp://127.0.0.1:$p", "unix://$T/s.sock" }
	module = "$1"
	mode = "$2"
	workers = 2
}
service bound {
	listen = "tcp://127.0.0.1:$p2"
	module = "echo"
}
EOC
}
service echo fork

env=
[ -z "${ASAN_OPTIONS:-}" ] || env="-E ASAN_OPTIONS"
[ -z "${UBSAN_OPTIONS:-}" ] || env="$env -E UBSAN_OPTIONS"
# shellcheck disable=SC2086
bg systemd-socket-activate -l "127.0.0.1:$p" -l "$T/s.sock" \
    -l "127.0.0.1:$pfree" --fdname=web:local:spare \
    -E SOCKSERV_MODULE_DIR $env \
    "$SOCKSERVD" -f -c "$conf" -p "$PIDFILE" >>"$DAEMON_LOG" 2>&1
DAEMON_PID=$!
listening() { [ -n "$(listen_inode "$1")" ]; }
wait_until 10 listening "$p" || fail "systemd-socket-activate not listening"
ino=$(listen_inode "$p")
[ -e "$PIDFILE" ] && fail "the daemon runs before the first connection"

# The first connection starts the daemon; it waits in the backlog.
[ "$(echo_tcp 127.0.0.1 "$p" first)" = first ] ||
    fail "the connection that started the daemon was not served"
[ "$(tr -d '\n' <"$PIDFILE")" = "$DAEMON_PID" ] ||
    fail "pidfile $(cat "$PIDFILE") is not systemd-socket-activate's pid"
wait_ready "$conf" || fail "not serving every address"
[ "$(listen_inode "$p")" = "$ino" ] || fail "$p was bound anew, not inherited"
[ "$(echo_unix "$T/s.sock" unix)" = unix ] || fail "no echo on the Unix socket"
[ "$(echo_tcp 127.0.0.1 "$p2" bound)" = bound ] || fail "no echo on $p2"
wait_until 5 log_has "127.0.0.1:$pfree: passed by systemd, but no service" ||
    fail "the unclaimed socket was not logged"
wait_until 5 eval '! listening $pfree' || fail "the unclaimed socket is open"
sino=$(stat -c %i "$T/s.sock")

# A reload keeps the passed sockets: same socket, new module and mode.
service upper prefork
kill -HUP "$DAEMON_PID"
upper() { [ "$(echo_tcp 127.0.0.1 "$p" hi 2>/dev/null)" = HI ]; }
wait_until 10 upper || fail "the reload was not applied on the passed socket"
[ "$(listen_inode "$p")" = "$ino" ] || fail "the reload replaced $p's socket"
[ "$(echo_unix "$T/s.sock" hi)" = HI ] || fail "Unix socket lost by the reload"
[ "$(stat -c %i "$T/s.sock")" = "$sino" ] || fail "Unix socket file replaced"

stop_daemon TERM
[ "$DAEMON_STATUS" = 0 ] || fail "exit $DAEMON_STATUS after SIGTERM"
[ -S "$T/s.sock" ] || fail "the daemon removed systemd's socket file"
