#!/bin/sh
# t-daemon-detach: a detached daemon lets go of its launcher.  For every
# mode that starts processes before the daemon reports ready (prefork,
# thread, sync, fork with fork_ahead), `$(sockservd 2>&1)' and
# `sockservd 2>&1 | cat' return at once with the daemon serving: no
# process of the daemon holds the launcher's stderr.  And a descriptor
# the launcher left open (not close-on-exec) reaches no daemon process.
. "$top_srcdir/tests/e2e/lib.sh"

# mkconf MODE PORT: a config for one echo service in MODE ("fork_ahead":
# fork mode with two spares), detached, logging to a file.
mkconf() {
	local mode=$1 extra="workers = 2"
	[ "$mode" != fork_ahead ] || { mode=fork; extra="fork_ahead = 2"; }
	write_conf "$T/$1.conf" <<EOC
log = "$T/$1.log"
pidfile = "$T/$1.pid"
service e {
	listen = "tcp://127.0.0.1:$2"
	module = "echo"
	mode = "$mode"
	$extra
}
EOC
}

# stop_by_pidfile NAME: SIGTERM the daemon whose pid NAME.pid holds.
stop_by_pidfile() {
	local pid
	pid=$(cat "$T/$1.pid")
	kill -TERM "$pid"
	wait_until 15 eval '! alive "$pid"' || fail "$1: pid $pid ignored SIGTERM"
	DAEMON_PID=
}

# launched NAME PORT HOW: the launch (HOW: subst or pipe) returned 0 in
# time and the daemon it started serves; the cleanup kills it by pid.
launched() {
	local rc=$3
	# First, so that the cleanup stops whatever was started.
	[ ! -s "$T/$1.pid" ] || DAEMON_PID=$(cat "$T/$1.pid")
	[ "$rc" != 124 ] ||
	    fail "$1: \`$4' did not return in 10 s (a daemon process holds its stderr)"
	[ "$rc" = 0 ] || fail "$1: \`$4' exited $rc: $(cat "$T/$1.out")"
	[ -n "$DAEMON_PID" ] || fail "$1: no pidfile"
	alive "$DAEMON_PID" || fail "$1: daemon $DAEMON_PID not running"
	[ "$(echo_tcp 127.0.0.1 "$2" hi)" = hi ] || fail "$1: no echo"
}

for m in prefork thread sync fork_ahead; do
	port=$(free_port)
	mkconf "$m" "$port"
	# Under timeout(1) in a shell of its own: a launcher that hangs on
	# the pipe is killed with that shell, and this test goes on.
	rc=0
	timeout 10 bash -c 'out=$("$0" -c "$1" 2>&1); rc=$?; echo "$out"; exit $rc' \
	    "$SOCKSERVD" "$T/$m.conf" >"$T/$m.out" 2>&1 || rc=$?
	launched "$m" "$port" "$rc" '$(sockservd 2>&1)'
	stop_by_pidfile "$m"

	rc=0
	timeout 10 bash -c 'set -o pipefail; "$0" -c "$1" 2>&1 | cat' \
	    "$SOCKSERVD" "$T/$m.conf" >"$T/$m.out" 2>&1 || rc=$?
	launched "$m" "$port" "$rc" 'sockservd 2>&1 | cat'
	stop_by_pidfile "$m"
done

# A descriptor inherited from the launcher, without close-on-exec.
echo secret >"$T/inherited"
port=$(free_port) port2=$(free_port)
mkconf prefork "$port"
sed -i "\$a service f {\n\tlisten = \"tcp://127.0.0.1:$port2\"\n\tmodule = \"echo\"\n\tfork_ahead = 1\n}" \
    "$T/prefork.conf"
rc=0
timeout 10 "$SOCKSERVD" -c "$T/prefork.conf" 9<"$T/inherited" \
    >"$T/prefork.out" 2>&1 || rc=$?
launched prefork "$port" "$rc" 'sockservd 9<file'
[ "$(echo_tcp 127.0.0.1 "$port2" hi)" = hi ] || fail "fork_ahead: no echo"
procs="$DAEMON_PID $(descendants_of "$DAEMON_PID")"
[ "$(echo $procs | wc -w)" -ge 4 ] ||
    fail "expected the master, 2 workers and a spare: $procs"
for p in $procs; do
	for fd in /proc/"$p"/fd/*; do
		[ "$(readlink "$fd")" != "$T/inherited" ] ||
		    fail "process $p holds the launcher's $fd ($T/inherited)"
	done
done
stop_by_pidfile prefork
exit 0
