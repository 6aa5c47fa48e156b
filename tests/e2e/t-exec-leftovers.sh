#!/bin/sh
# exec: a program's background job (`sh -c "sleep N & echo started;
# sleep M"') never outlives what it belongs to.  Killed with its group
# when the client resets the connection (no `timeout': the keeper does
# not relay) and when the program is idle past `timeout'; and when the
# daemon stops: a fork-mode child and a prefork worker busy across a
# reload are SIGKILLed at the end of shutdown_timeout, and the jobs they
# leave behind are gone once the master has exited.
. "$top_srcdir/tests/e2e/lib.sh"
. "$top_srcdir/tests/e2e/lib-mod.sh"

# Distinctive durations: the processes are found by their exact command
# line (pgrep -x -f), and whatever is left is killed by PID at the end.
base=$((4000 + RANDOM % 4000))
sleepers() {	# sleepers TAG...: PIDs of the sleeps and shells of TAGs
	local t
	for t in "$@"; do
		pgrep -x -f "sleep $((base + t))" || true
		pgrep -x -f "sleep $((base + t + 1))" || true
		pgrep -f "^/bin/sh -c sleep $((base + t)) &" || true
	done
}
kill_sleepers() {
	local p
	for p in $(sleepers 10 20 30 40); do kill -KILL "$p" 2>/dev/null; done
	return 0
}
trap 'rc=$?; set +e; kill_sleepers; (exit $rc); _cleanup' EXIT
none_left() { [ -z "$(sleepers "$@")" ]; }
prog() {	# prog TAG: the argv of a program with a background job
	echo "\"/bin/sh\", \"-c\", \"sleep $((base + $1)) & echo started; sleep $((base + $1 + 1))\""
}

svc() {	# svc NAME PORT TAG [SETTINGS]: an exec service running prog TAG
	cat <<EOC
service $1 {
    listen = "tcp://127.0.0.1:$2"
    module = "exec"
    ${4:-}
    exec { argv = { $(prog "$3") } }
}
EOC
}
pr=$(free_port) pt=$(free_port) pf=$(free_port) pp=$(free_port)
{
	echo 'log = "stderr"'
	echo 'shutdown_timeout = 1'
	svc reset "$pr" 10
	svc idle "$pt" 20 'timeout = 1'
	svc fork "$pf" 30
	svc pre "$pp" 40 'mode = "prefork" workers = 1'
} >"$T/c.conf"
start_daemon "$T/c.conf"

# hold PORT [reset]: connect, read "started", then either reset the
# connection (SO_LINGER 0) at once or hold it until the server closes.
hold() {
	"$PYTHON" - "$@" <<'PYEOF'
import socket, struct, sys
s = socket.create_connection(('127.0.0.1', int(sys.argv[1])), timeout=30)
buf = b''
while not buf.endswith(b'\n'):
    b = s.recv(100)
    if not b:
        sys.exit('closed before "started": %r' % buf)
    buf += b
print(buf.decode().strip(), flush=True)
if len(sys.argv) > 2:
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack('ii', 1, 0))
    s.close()
    sys.exit(0)
try:
    s.recv(100)
except OSError:
    pass
PYEOF
}

# The client resets: the program and its job are killed.
[ "$(hold "$pr" reset)" = started ] || fail "reset: the program did not start"
wait_until 5 none_left 10 ||
    fail "reset: left behind after the client reset: $(sleepers 10)"
wait_until 5 log_has 'client is gone, killed' || fail "reset: no log line"

# Idle past `timeout': the program and its job are killed.
bg hold "$pt" >"$T/idle.out"
wait_until 5 grep -qx started "$T/idle.out" || fail "idle: did not start"
wait_until 10 none_left 20 || fail "idle: left behind: $(sleepers 20)"

# Stop: a fork-mode child and a prefork worker busy across a reload.
bg hold "$pf" >"$T/fork.out"
bg hold "$pp" >"$T/pre.out"
wait_until 5 grep -qx started "$T/fork.out" || fail "fork: did not start"
wait_until 5 grep -qx started "$T/pre.out" || fail "prefork: did not start"
[ -n "$(sleepers 30)" ] && [ -n "$(sleepers 40)" ] ||
    fail "the programs are not running"
kill -HUP "$DAEMON_PID"
wait_until 10 log_has 'reloaded' || fail "reload did not complete"
procs=$(descendants_of "$DAEMON_PID")
stop_daemon TERM 20
[ "$DAEMON_STATUS" = 0 ] || fail "daemon exited $DAEMON_STATUS"
# The master has exited: nothing it started may run on.
wait_until 3 none_left 30 40 ||
    fail "left behind after the daemon stopped: $(sleepers 30 40 |
	while read -r p; do tr '\0' ' ' <"/proc/$p/cmdline"; echo; done)"
for p in $procs; do
	! alive "$p" || fail "process $p of the daemon outlived it"
done
exit 0
