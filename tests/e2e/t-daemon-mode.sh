#!/bin/sh
# t-daemon-mode: without -f the launching command returns 0 only once the
# port answers; the pidfile holds the daemon's pid; a second instance on the
# same pidfile refuses with a message and non-zero; a port already taken
# makes the launch exit 71 naming the address.
. "$top_srcdir/tests/e2e/lib.sh"

p1=$(free_port) p2=$(free_port) p3=$(free_port)
mkconf() {	# mkconf FILE PORT
	write_conf "$1" <<EOC
log = "$T/daemon.log"
pidfile = "$PIDFILE"
service e {
	listen = "tcp://127.0.0.1:$2"
	module = "echo"
	mode = "prefork"
	workers = 1
}
EOC
}
mkconf "$T/a.conf" "$p1"
mkconf "$T/b.conf" "$p2"
mkconf "$T/c.conf" "$p3"

rc=0
timeout 20 "$SOCKSERVD" -c "$T/a.conf" >"$T/launch.out" 2>&1 || rc=$?
[ "$rc" = 0 ] || fail "launch exited $rc: $(cat "$T/launch.out")"
# Ready at once: no polling allowed here.
addr_ready "tcp://127.0.0.1:$p1" ||
    fail "launch returned before port $p1 answered"
[ -s "$PIDFILE" ] || fail "no pidfile after launch"
DAEMON_PID=$(cat "$PIDFILE")	# the cleanup trap kills it by this PID
case $DAEMON_PID in *[!0-9]*|'') fail "pidfile holds '$DAEMON_PID'" ;; esac
alive "$DAEMON_PID" || fail "pid $DAEMON_PID from the pidfile is not running"
[ "$(readlink "/proc/$DAEMON_PID/cwd")" = / ] || fail "daemon did not chdir /"
ps -o sid= -p "$DAEMON_PID" | grep -qw "$DAEMON_PID" &&
    fail "daemon is a session leader (no second fork)"
[ "$(echo_tcp 127.0.0.1 "$p1" hello)" = hello ] || fail "daemon does not echo"

# A second instance, same pidfile, another port: refused, with a message.
rc=0
timeout 20 "$SOCKSERVD" -c "$T/b.conf" >"$T/second.out" 2>&1 || rc=$?
[ "$rc" != 0 ] || fail "second instance with the same pidfile exited 0"
grep -qiE "running|locked|lock|$PIDFILE" "$T/second.out" ||
    fail "second instance refused without a clear message: $(cat "$T/second.out")"
note "second instance: exit $rc: $(cat "$T/second.out")"
client refused "tcp://127.0.0.1:$p2" ||
    fail "second instance is serving port $p2"
[ "$(cat "$PIDFILE")" = "$DAEMON_PID" ] || fail "second instance took the pidfile"
alive "$DAEMON_PID" || fail "first daemon died"

# Port already taken: exit 71 naming the address.
"$PYTHON" -c 'import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen()
open(sys.argv[2], "w").close(); time.sleep(60)' "$p3" "$T/taken" &
_TRACKED="$_TRACKED $!"
wait_until 5 test -e "$T/taken" || fail "could not occupy port $p3"
rc=0
timeout 20 "$SOCKSERVD" -c "$T/c.conf" -p "$T/c.pid" >"$T/taken.out" 2>&1 || rc=$?
[ "$rc" = 71 ] || fail "launch on a taken port exited $rc, expected 71: $(cat "$T/taken.out")"
grep -q "127.0.0.1:$p3" "$T/taken.out" ||
    fail "the bind error does not name 127.0.0.1:$p3: $(cat "$T/taken.out")"

# Stop the daemon: exits, pidfile removed.
kill -TERM "$DAEMON_PID"
wait_until 15 eval '! alive "$DAEMON_PID"' || fail "daemon ignored SIGTERM"
DAEMON_PID=
wait_until 5 eval '[ ! -e "$PIDFILE" ]' || fail "pidfile left behind"
