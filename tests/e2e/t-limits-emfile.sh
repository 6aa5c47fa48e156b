#!/bin/sh
# t-limits-emfile: running out of descriptors does not make the daemon
# spin nor flood the log, and service resumes once descriptors are free.
# The same rule holds in the master and in every worker: a burst of
# failed accepts is logged when it starts and when it ends, with a count
# (at most 2 lines per process over a 3 s burst), and the process waits
# with a growing pause rather than retry at once.
#  fork: the master's RLIMIT_NOFILE is lowered (prlimit --pid) to its
#    lowest free descriptor, so every accept fails with EMFILE while
#    clients wait in the backlog.
#  prefork: the same for the one worker of the pool.
#  thread: the daemon is started with a low RLIMIT_NOFILE (ulimit -n) and
#    its one worker gets more idle connections than descriptors.
# Each time the process and the master stay nearly idle for 3 s, the log
# has at most 2 lines about the burst, and a new client is served once
# the descriptors are back.
. "$top_srcdir/tests/e2e/lib-priv.sh"
command -v prlimit >/dev/null 2>&1 || skip "no prlimit"

PF=$(free_port); PP=$(free_port); PT=$(free_port)
conf=$T/sockserv.conf
write_conf "$conf" <<EOC
shutdown_timeout = 2
service f {
	listen = "tcp://127.0.0.1:$PF"
	module = "echo"
	mode = "fork"
}
service p {
	listen = "tcp://127.0.0.1:$PP"
	module = "echo"
	mode = "prefork"
	workers = 1
	max_workers = 1
}
service t {
	listen = "tcp://127.0.0.1:$PT"
	module = "echo"
	mode = "thread"
	workers = 1
	max_children = 200
	request_queue_size = 256
}
EOC
printf '#!/bin/sh\nulimit -n 64 || exit 99\nexec "%s" "$@"\n' "$SOCKSERVD" >"$T/lowfd"
chmod 755 "$T/lowfd"
SOCKSERVD=$T/lowfd
start_daemon "$conf"
for s in "f $PF" "p $PP" "t $PT"; do
	set -- $s
	[ "$(echo_tcp 127.0.0.1 "$2" hi)" = hi ] || fail "service $1 not served"
done

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
# emfile_lines SVC: the log lines about service SVC out of descriptors.
emfile_lines() {
	grep -c "service $1: .*Too many open files" "$DAEMON_LOG" || :
}
# few_lines SVC WHEN: the burst of SVC took 1 or 2 lines of the log.
few_lines() {
	local n
	n=$(emfile_lines "$1")
	note "service $1: $n log lines about the burst"
	grep "service $1: .*Too many open files" "$DAEMON_LOG" >&2 || :
	[ "$n" -ge 1 ] && [ "$n" -le 2 ] ||
	    fail "service $1 ($2): $n log lines for one burst, expected 1 or 2"
}
# pool_worker PORT: the one worker listening on 127.0.0.1:PORT.
pool_worker() {
	local ino p
	ino=$(listen_inode "$1")
	for p in $(children_of "$DAEMON_PID"); do
		if ls -l "/proc/$p/fd" 2>/dev/null | grep -q "socket:\[$ino\]"; then
			echo "$p"
			return 0
		fi
	done
	return 1
}
# starve SVC PORT PID: lower PID's descriptor limit to what it holds,
# queue clients, check it neither spins nor floods the log, give the
# descriptors back, check the service and the closing line.
starve() {
	local svc=$1 port=$2 pid=$3 hard soft
	hard=$(awk '/^Max open files/ { print $5 }' "/proc/$pid/limits")
	soft=$(awk '/^Max open files/ { print $4 }' "/proc/$pid/limits")
	prlimit --pid "$pid" --nofile="$(lowest_free_fd "$pid"):$hard" ||
	    fail "prlimit failed"
	bg pc hold "" 127.0.0.1 "$port" 5 "$T/ready.$svc" "$T/stop.$svc" \
	    >"$T/hold.$svc" 2>&1
	wait_until 10 test -f "$T/ready.$svc" ||
	    fail "clients of $svc could not connect (backlog)"
	wait_until 10 log_has "service $svc: .*Too many open files" ||
	    fail "service $svc: EMFILE not logged"
	! spins "$pid" 3 || fail "service $svc: pid $pid spins while out of descriptors"
	few_lines "$svc" "during the burst"
	prlimit --pid "$pid" --nofile="$soft:$hard" || fail "prlimit restore failed"
	touch "$T/stop.$svc"
	wait_until 10 eval '[ "$(echo_tcp 127.0.0.1 "$port" back 2>/dev/null)" = back ]' ||
	    fail "service $svc not served after descriptors were freed"
	burst_over "$svc" "$port"
}
# burst_over SVC PORT: clients are served until the end of the burst is
# logged (5 s without an error), with a count, and no more than that.
burst_over() {
	local svc=$1 port=$2
	wait_until 12 eval '[ "$(echo_tcp 127.0.0.1 "$port" back 2>/dev/null)" = back ] &&
	    log_has "service $svc: .*Too many open files \([0-9]+ times in .*over"' ||
	    fail "service $svc: the end of the burst is not logged with a count"
	few_lines "$svc" "after the burst"
}

# --- fork: the master itself out of descriptors.
starve f "$PF" "$DAEMON_PID"

# --- prefork: the pool's worker out of descriptors.
worker=$(pool_worker "$PP") || fail "no prefork worker"
starve p "$PP" "$worker"

# --- thread: one worker holds more connections than it has descriptors.
worker=$(pool_worker "$PT") || fail "no thread worker"
bg pc hold "" 127.0.0.1 "$PT" 120 "$T/ready.t" "$T/stop.t" >"$T/hold.t" 2>&1
wait_until 20 test -f "$T/ready.t" || fail "120 connections not established"
at_limit() { [ "$(lowest_free_fd "$worker")" -ge 64 ]; }
wait_until 10 at_limit || fail "worker never reached its descriptor limit ($(lowest_free_fd "$worker") < 64)"
wait_until 10 log_has "service t: .*Too many open files" ||
    fail "service t: EMFILE not logged"
! spins "$worker" 3 || fail "thread worker spins while out of descriptors"
! spins "$DAEMON_PID" 2 || fail "master spins while its worker is out of descriptors"
few_lines t "during the burst"
touch "$T/stop.t"
wait_until 15 eval '[ "$(echo_tcp 127.0.0.1 "$PT" back 2>/dev/null)" = back ]' ||
    fail "thread service not served after descriptors were freed"
burst_over t "$PT"
stop_daemon TERM
[ "$DAEMON_STATUS" = 0 ] || fail "daemon exited $DAEMON_STATUS after SIGTERM"
