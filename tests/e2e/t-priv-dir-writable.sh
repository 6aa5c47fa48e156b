#!/bin/sh
# t-priv-dir-writable: started as root, a pidfile or log in a directory
# another user can write (owned by another user; writable by others;
# writable by a group other than root's) is refused at start with exit 77
# and a message naming the file, the directory and who can write it.  A
# sticky directory of root's such as /tmp is accepted: the daemon serves
# and removes its pidfile at exit.  Root only.
. "$top_srcdir/tests/e2e/lib-priv.sh"
need_root
set -- $(user_ids daemon); DUID=$1; DGID=$2

P=$(free_port)
conf=$T/sockserv.conf
write() {	# write LOG
	write_conf "$conf" <<EOC
log = "$1"
service echo {
	listen = "tcp://127.0.0.1:$P"
	module = "echo"
}
EOC
}

mkdir "$T/theirs" "$T/open" "$T/group" "$T/sticky"
chown "$DUID" "$T/theirs"
chmod 777 "$T/open"
chgrp "$DGID" "$T/group"
chmod 775 "$T/group"
chmod 1777 "$T/sticky"

write stderr
PIDFILE=$T/theirs/sockservd.pid
run_refused "$conf"
expect_refused "pidfile in another user's directory" \
    "pidfile $PIDFILE: directory $T/theirs is writable by uid $DUID \(not root or the daemon's user\)"
[ ! -e "$PIDFILE" ] || fail "$PIDFILE created"

PIDFILE=$T/open/sockservd.pid
run_refused "$conf"
expect_refused "pidfile in a world-writable directory" \
    "pidfile $PIDFILE: directory $T/open is writable by others"

PIDFILE=$T/sockservd.pid
write "$T/group/sockservd.log"
run_refused "$conf"
expect_refused "log in a group-writable directory" \
    "log $T/group/sockservd.log: directory $T/group is writable by group $DGID"
[ ! -e "$T/group/sockservd.log" ] || fail "log file created"

write "$T/theirs/sockservd.log"
run_refused "$conf"
expect_refused "log in another user's directory" \
    "log $T/theirs/sockservd.log: directory $T/theirs is writable by uid $DUID"

# Sticky and root's, like /tmp: accepted.
PIDFILE=$T/sticky/sockservd.pid
write "$T/sticky/sockservd.log"
start_daemon "$conf"
[ "$(echo_tcp 127.0.0.1 "$P" hi)" = hi ] || fail "not served"
[ -s "$PIDFILE" ] || fail "no pidfile in the sticky directory"
stop_daemon TERM
[ "$DAEMON_STATUS" = 0 ] || fail "daemon exited $DAEMON_STATUS"
[ ! -e "$PIDFILE" ] || fail "pidfile $PIDFILE left behind"
