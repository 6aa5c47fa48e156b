#!/bin/sh
# t-priv-removable: started as root with user = "nobody", the master
# removes its pidfile and Unix socket files at exit as nobody.  In a
# directory of root's that nobody cannot write they would be left behind,
# so that layout is refused at start (exit 77, the file named and why).
# In a directory the daemon creates, and in a sticky directory like /tmp
# (the files are then nobody's), they are removed at shutdown.  Root only.
. "$top_srcdir/tests/e2e/lib-priv.sh"
need_root
set -- $(user_ids nobody); NUID=$1; NGID=$2

chmod 711 "$T"
mkdir "$T/rootdir" "$T/sticky"
chmod 755 "$T/rootdir"
chmod 1777 "$T/sticky"
P=$(free_port)
conf=$T/sockserv.conf
write() {	# write UNIXPATH
	write_conf "$conf" <<EOC
user = "nobody"
log = "stderr"
service echo {
	listen = { "tcp://127.0.0.1:$P", "unix://$1" }
	module = "echo"
}
EOC
}

write "$T/sticky/echo.sock"
PIDFILE=$T/rootdir/sockservd.pid
run_refused "$conf"
expect_refused "pidfile in root's directory" \
    "pidfile $PIDFILE: the daemon's user \(uid $NUID\) could not remove it at shutdown"
[ ! -e "$PIDFILE" ] || fail "pidfile $PIDFILE created"

write "$T/rootdir/echo.sock"
PIDFILE=$T/sticky/sockservd.pid
run_refused "$conf"
expect_refused "socket in root's directory" \
    "service echo: unix://$T/rootdir/echo.sock: the daemon's user \(uid $NUID\) could not remove it at shutdown"
[ ! -e "$T/rootdir/echo.sock" ] || fail "socket file created"

# Removable: the daemon's own directory, and a sticky one.
for d in run sticky; do
	write "$T/$d/echo.sock"
	PIDFILE=$T/$d/sockservd.pid
	start_daemon "$conf"
	[ "$(echo_unix "$T/$d/echo.sock" hi)" = hi ] || fail "$d: not served"
	stop_daemon TERM
	[ "$DAEMON_STATUS" = 0 ] || fail "$d: daemon exited $DAEMON_STATUS"
	[ ! -e "$PIDFILE" ] || fail "$d: pidfile $PIDFILE left behind"
	[ ! -e "$T/$d/echo.sock" ] || fail "$d: socket file left behind"
	! log_has "cannot remove the socket|: remove: " || fail "$d: a removal failed"
done
