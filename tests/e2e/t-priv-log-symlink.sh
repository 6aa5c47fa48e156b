#!/bin/sh
# t-priv-log-symlink: with user = "nobody" the pidfile directory belongs
# to nobody, so a compromised worker can plant anything there.  A log
# file named there that is a symlink to a root-owned 0600 file must not
# be followed: the start is refused (exit 77, the log path and the reason
# named) and the target keeps its owner, mode and content.  A hard link
# is refused the same way.  Root only.
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
