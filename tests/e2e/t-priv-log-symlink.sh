#!/bin/sh
# t-priv-log-symlink: with user = "nobody" the pidfile directory belongs
# to nobody, so a compromised worker can plant anything there.  A log
# file named there that is a symlink to a root-owned 0600 file must not
# be followed: the start is refused (exit 77, the log path and the reason
# named) and the target keeps its owner, mode and content.  A hard link
# is refused the same way, and so is a symlink found when SIGUSR1
# reopens the log.  Root only.
. "$top_srcdir/tests/e2e/lib-priv.sh"
need_root
set -- $(user_ids nobody); NUID=$1; NGID=$2

chmod 711 "$T"
mkdir "$T/run"
chown "$NUID:$NGID" "$T/run"	# as the daemon makes it for its user
PIDFILE=$T/run/sockservd.pid
LOG=$T/run/sockservd.log
printf 'root secret\n' >"$T/victim"
chmod 600 "$T/victim"
before=$(file_sig "$T/victim")
ln -s "$T/victim" "$LOG"
chown -h "$NUID:$NGID" "$LOG"

P=$(free_port)
conf=$T/sockserv.conf
write_conf "$conf" <<EOC
user = "nobody"
log = "$LOG"
service echo {
	listen = "tcp://127.0.0.1:$P"
	module = "echo"
}
EOC
run_refused "$conf"
after=$(file_sig "$T/victim")
[ "$after" = "$before" ] ||
    fail "the symlink's target changed: '$before' became '$after'"
expect_refused "log symlink" "log $LOG: a symbolic link, not followed"
[ ! -e "$PIDFILE" ] || fail "pidfile $PIDFILE left behind"

# A hard link to a file of root's (possible where protected_hardlinks is
# off, or for root's own mistakes) is refused as well.
rm -f "$LOG"
ln "$T/victim" "$LOG"
run_refused "$conf"
after=$(file_sig "$T/victim")
[ "$after" = "$before" ] ||
    fail "the hard link's file changed: '$before' became '$after'"
expect_refused "log hard link" "log $LOG: has 2 hard links"

# SIGUSR1 reopens by the same rules: a master running as root (no `user')
# whose rotated log was replaced by a symlink keeps writing where it was.
rm -f "$LOG"
mkdir "$T/logs"
LOG=$T/logs/sockservd.log
PIDFILE=$T/sockservd.pid
write_conf "$conf" <<EOC
log = "$LOG"
service echo {
	listen = "tcp://127.0.0.1:$P"
	module = "echo"
}
EOC
start_daemon "$conf"
mv "$LOG" "$LOG.1"
ln -s "$T/victim" "$LOG"
kill -USR1 "$DAEMON_PID"
has_refusal() { grep -q "log $LOG: a symbolic link, not followed" "$LOG.1"; }
wait_until 10 has_refusal || fail "no refusal of the symlink in $LOG.1"
[ "$(echo_tcp 127.0.0.1 "$P" hi)" = hi ] || fail "not served after SIGUSR1"
wait_until 10 grep -q "service echo: 127.0.0.1" "$LOG.1" ||
    fail "the master stopped writing to $LOG.1"
after=$(file_sig "$T/victim")
[ "$after" = "$before" ] ||
    fail "SIGUSR1 wrote through the symlink: '$before' became '$after'"
stop_daemon TERM
