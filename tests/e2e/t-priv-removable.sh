#!/bin/sh
# t-priv-removable: started as root with user = "nobody", the master
# removes its pidfile and Unix socket files at exit as nobody.  In a
# directory of root's that nobody cannot write they would be left behind,
# so that layout is refused at start (exit 77, the file named and why).
# In a directory the daemon creates, and in a sticky directory like /tmp
# (the files are then nobody's), they are removed at shutdown.  And with
# fs.protected_regular = 1 (systemd's default), where root may not open
# with O_CREAT another user's file in a sticky directory, a log and a
# pidfile given to nobody in a sticky directory do not stop the next
# start.  Root only.
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

# The next start, with fs.protected_regular = 1: the log (kept) and a
# pidfile left by a crash are nobody's in a sticky directory of root's.
pr=/proc/sys/fs/protected_regular
old=$(cat "$pr" 2>/dev/null) || old=
if [ -n "$old" ] && echo 1 2>/dev/null >"$pr"; then
	on_exit "echo $old >$pr"
	write_conf "$conf" <<EOC
user = "nobody"
log = "$T/sticky/sockservd.log"
service echo {
	listen = "tcp://127.0.0.1:$P"
	module = "echo"
}
EOC
	PIDFILE=$T/sticky/sockservd.pid
	for i in 1 2; do
		start_daemon "$conf"
		[ "$(echo_tcp 127.0.0.1 "$P" hi)" = hi ] || fail "run $i: not served"
		[ "$(stat -c %u "$T/sticky/sockservd.log")" = "$NUID" ] ||
		    fail "run $i: the log is not nobody's"
		# The second run ends as after a crash: its pidfile stays.
		if [ "$i" = 1 ]; then stop_daemon TERM; else stop_daemon KILL; fi
	done
	touch "$PIDFILE" && chown "$NUID:$NGID" "$PIDFILE"
	start_daemon "$conf"
	stop_daemon TERM
	[ "$DAEMON_STATUS" = 0 ] || fail "protected_regular: exited $DAEMON_STATUS"
	echo "$old" >"$pr"
else
	note "fs.protected_regular cannot be set here: that case not run"
fi
