#!/bin/sh
# t-journal-prefix: when stderr is journald's stream (JOURNAL_STREAM names
# its device and inode, as systemd sets it), each line sockservd -f writes
# there starts with its syslog priority, <N> (sd-daemon(3)), the master's
# and the workers' alike; with JOURNAL_STREAM naming another file, lines
# are bare.
. "$top_srcdir/tests/e2e/lib.sh"

p=$(free_port)
conf=$T/sockserv.conf
write_conf "$conf" <<EOC
log_level = "debug"
service s {
	listen = "tcp://127.0.0.1:$p"
	module = "echo"
	mode = "fork"
}
EOC
JOURNAL_STREAM=$(stat -c '%d:%i' "$DAEMON_LOG")
export JOURNAL_STREAM
start_daemon "$conf"
[ "$(echo_tcp 127.0.0.1 "$p" hi)" = hi ] || fail "no echo"
stop_daemon TERM
[ "$DAEMON_STATUS" = 0 ] || fail "exit $DAEMON_STATUS"
# notice is 5, info 6 (a child's per-connection line), debug 7.
grep -q '^<5>started, pid ' "$DAEMON_LOG" || fail "no <5> on the start line"
grep -q '^<6>.*127\.0\.0\.1' "$DAEMON_LOG" ||
    fail "no <6> on a child's connection line"
grep -vq '^<[0-7]>' "$DAEMON_LOG" && fail "a line without a prefix:
$(grep -v '^<[0-7]>' "$DAEMON_LOG")"

# Another file's identity: no prefixes.
: >"$DAEMON_LOG"
JOURNAL_STREAM=$(stat -c '%d:%i' "$conf")
start_daemon "$conf"
stop_daemon TERM
grep -q '^started, pid ' "$DAEMON_LOG" || fail "prefix on a non-journal stderr"
true
