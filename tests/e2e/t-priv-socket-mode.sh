#!/bin/sh
# t-priv-socket-mode: a Unix socket file gets its configured socket_mode
# in one place, safefile_chattr, through an O_PATH descriptor of the
# inode recorded at bind (chmod of /proc/self/fd/N) -- never by name.
# The daemon hands libsockserv, whose own chmod after bind goes by name,
# an owner-only mode.  The daemon runs under strace(1), which records
# every chmod; skipped without strace or where it may not trace.
. "$top_srcdir/tests/e2e/lib-priv.sh"
command -v strace >/dev/null 2>&1 || skip "no strace"
strace -f -qq -o /dev/null true 2>/dev/null || skip "strace cannot trace here"
# LeakSanitizer cannot run under ptrace: the sanitizer build's leak check
# is the other tests' business here (ASan's other checks stay on).
[ -z "${SOCKSERV_SANITIZERS:-}" ] ||
    export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"

SOCK=$T/echo.sock
conf=$T/sockserv.conf
write_conf "$conf" <<EOC
log = "stderr"
service echo {
	listen = { "unix://$SOCK" }
	module = "echo"
	socket_mode = "0646"
}
EOC
bg strace -f -qq -o "$T/trace" -e trace=%file -- \
    "$SOCKSERVD" -f -c "$conf" -p "$PIDFILE" >>"$DAEMON_LOG" 2>&1
STRACE_PID=$!
wait_ready "$conf" 30 || fail "$SOCK not served under strace"
[ "$(echo_unix "$SOCK" hello)" = hello ] || fail "$SOCK does not echo"
[ "$(stat -c %a "$SOCK")" = 646 ] || fail "socket mode $(stat -c %a "$SOCK")"

DAEMON_PID=$(cat "$PIDFILE") || fail "no pidfile"
kill -TERM "$DAEMON_PID"
wait_until 15 eval '! alive "$STRACE_PID"' || fail "daemon did not stop"
st=0
wait "$STRACE_PID" || st=$?
DAEMON_PID=
[ "$st" = 0 ] || fail "daemon exited $st"

grep -E 'chmod' "$T/trace" >"$T/chmods" || true
n=$(grep -c ', 0646' "$T/chmods" || true)
[ "$n" = 1 ] || fail "socket_mode applied $n times, not once:
$(cat "$T/chmods")"
grep -E ', 0646' "$T/chmods" | grep -q '"/proc/self/fd/[0-9]*"' ||
    fail "socket_mode not applied through a descriptor:
$(cat "$T/chmods")"
exit 0
