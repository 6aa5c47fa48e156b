#!/bin/sh
# t-limits-emfile: running out of descriptors does not make the daemon
# spin, and service resumes once descriptors are free again.
#  fork: the master's RLIMIT_NOFILE is lowered (prlimit --pid) to its
#    lowest free descriptor, so every accept fails with EMFILE while
#    clients wait in the backlog; the master logs it once, uses little
#    CPU over 3 s, and serves the waiting clients once the limit is back.
#  thread: the daemon is started with a low RLIMIT_NOFILE (ulimit -n) and
#    more idle connections than descriptors; the worker holding them and
#    the master stay nearly idle, and a new client is served once the
#    idle connections are closed.
. "$top_srcdir/tests/e2e/lib-priv.sh"
command -v prlimit >/dev/null 2>&1 || skip "no prlimit"

PF=$(free_port); PT=$(free_port)
conf=$T/sockserv.conf
write_conf "$conf" <<EOC
shutdown_timeout = 2
service f {
	listen = "tcp://127.0.0.1:$PF"
	module = "echo"
	mode = "fork"
}
service t {
	listen = "tcp://127.0.0.1:$PT"
	module = "echo"
	mode = "thread"
	max_children = 200
	request_queue_size = 256
}
EOC
printf '#!/bin/sh\nulimit -n 64 || exit 99\nexec "%s" "$@"\n' "$SOCKSERVD" >"$T/lowfd"
chmod 755 "$T/lowfd"
SOCKSERVD=$T/lowfd
start_daemon "$conf"
[ "$(echo_tcp 127.0.0.1 "$PF" hi)" = hi ] || fail "fork service not served"
[ "$(echo_tcp 127.0.0.1 "$PT" hi)" = hi ] || fail "thread service not served"

# spins PID SECS: true if PID used more than a fifth of SECS of CPU.
spins() {
	local a b hz
	hz=$(getconf CLK_TCK)
	a=$(cpu_ticks "$1"); sleep "$2"; b=$(cpu_ticks "$1")
	note "pid $1: $((b - a)) ticks in $2 s"
	[ $(( (b - a) * 5 )) -gt $(( $2 * hz )) ]
}
lowest_free_fd() {
	ls "/proc/$1/fd" | sort -n | awk 'BEGIN { n = 0 } $1 == n { n++ } END { print n }'
}

# --- fork: the master itself out of descriptors.
hard=$(awk '/^Max open files/ { print $5 }' "/proc/$DAEMON_PID/limits")
soft=$(awk '/^Max open files/ { print $4 }' "/proc/$DAEMON_PID/limits")
prlimit --pid "$DAEMON_PID" --nofile="$(lowest_free_fd "$DAEMON_PID"):$hard" ||
    fail "prlimit failed"
bg pc hold "" 127.0.0.1 "$PF" 5 "$T/ready.f" "$T/stop.f" >"$T/hold.f" 2>&1
wait_until 10 test -f "$T/ready.f" || fail "clients could not connect (backlog)"
wait_until 10 log_has 'Too many open files' || fail "EMFILE not logged"
! spins "$DAEMON_PID" 3 || fail "master spins while out of descriptors"
prlimit --pid "$DAEMON_PID" --nofile="$soft:$hard" || fail "prlimit restore failed"
wait_until 10 eval '[ "$(echo_tcp 127.0.0.1 "$PF" back 2>/dev/null)" = back ]' ||
    fail "fork service not served after descriptors were freed"
touch "$T/stop.f"

# --- thread: one worker holds more connections than it has descriptors.
worker=$(children_of "$DAEMON_PID" | head -n 1)
[ -n "$worker" ] || fail "no thread worker"
bg pc hold "" 127.0.0.1 "$PT" 120 "$T/ready.t" "$T/stop.t" >"$T/hold.t" 2>&1
wait_until 20 test -f "$T/ready.t" || fail "120 connections not established"
at_limit() { [ "$(lowest_free_fd "$worker")" -ge 64 ]; }
wait_until 10 at_limit || fail "worker never reached its descriptor limit ($(lowest_free_fd "$worker") < 64)"
! spins "$worker" 3 || fail "thread worker spins while out of descriptors"
! spins "$DAEMON_PID" 2 || fail "master spins while its worker is out of descriptors"
touch "$T/stop.t"
wait_until 15 eval '[ "$(echo_tcp 127.0.0.1 "$PT" back 2>/dev/null)" = back ]' ||
    fail "thread service not served after descriptors were freed"
stop_daemon TERM
[ "$DAEMON_STATUS" = 0 ] || fail "daemon exited $DAEMON_STATUS after SIGTERM"
