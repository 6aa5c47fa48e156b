#!/bin/sh
# t-log-reopen: after the log file is renamed and SIGUSR1 sent, every
# process that writes the log writes to the new file: the master, prefork
# workers and a thread-mode worker started before the rotation log their
# requests there, and nothing more lands in the renamed file.
. "$top_srcdir/tests/e2e/lib.sh"

pp=$(free_port) pt=$(free_port)
log=$T/x.log
write_conf "$T/c.conf" <<EOC
log = "$log"
log_level = "info"
service p {
	listen = "tcp://127.0.0.1:$pp"
	module = "echo"
	mode = "prefork"
	workers = 2
}
service t {
	listen = "tcp://127.0.0.1:$pt"
	module = "echo"
	mode = "thread"
}
EOC
start_daemon "$T/c.conf"

# requests: a few round trips to each service, logged by the workers.
requests() {
	local i
	for i in 1 2 3 4 5 6; do
		[ "$(echo_tcp 127.0.0.1 "$pp" "p$i")" = "p$i" ] || fail "no echo from p"
		[ "$(echo_tcp 127.0.0.1 "$pt" "t$i")" = "t$i" ] || fail "no echo from t"
	done
}
# worker_lines FILE SVC: request lines of SVC logged by a worker (the pid
# in the line is the writer's, never the master's).
worker_lines() {
	grep -E "\]: service $2: 127\.0\.0\.1:[0-9]+ pid [0-9]+ duration" "$1" |
	    grep -v "pid $DAEMON_PID duration" || true
}
logged() { [ -n "$(worker_lines "$1" p)" ] && [ -n "$(worker_lines "$1" t)" ]; }

requests
wait_until 5 logged "$log" || fail "the workers do not log their requests"

mv "$log" "$log.1"
kill -USR1 "$DAEMON_PID"
wait_until 5 test -e "$log" || fail "the master did not reopen $log"
# Written by the master once every process was told.
wait_until 2 grep -q 'log reopened' "$log" || note "no 'log reopened' line"
before=$(wc -l <"$log.1")

requests
wait_until 5 logged "$log" ||
    fail "workers still write elsewhere: $(worker_lines "$log.1" '[pt]' | tail -n 4)"
after=$(wc -l <"$log.1")
[ "$after" = "$before" ] ||
    fail "$((after - before)) lines went to the rotated file: $(tail -n $((after - before)) "$log.1")"
stop_daemon TERM
exit 0
