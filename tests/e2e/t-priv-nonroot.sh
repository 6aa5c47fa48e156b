#!/bin/sh
# t-priv-nonroot: started as an ordinary user (as root, the test runs the
# daemon as nobody through setpriv), `user = "root"' globally or in a
# service is refused with exit 77 and a message naming the user; without
# `user' the daemon serves as that user, and its fork-mode child still
# has no capability and no_new_privs.
. "$top_srcdir/tests/e2e/lib-priv.sh"

if [ "$(id -u)" = 0 ]; then
	command -v setpriv >/dev/null 2>&1 || skip "no setpriv to drop root"
	set -- $(user_ids nobody); RUID=$1; RGID=$2
	chmod 755 "$T"
	# nobody runs the daemon from the build tree and loads a module.
	need_reachable "$RUID" "$RGID" "$T" "$SOCKSERVD" \
	    "$top_builddir/.libs/sockservd" \
	    "$top_builddir/.libs/libsockserv.so" "$SOCKSERV_MODULE_DIR/echo.so"
	setpriv --reuid="$RUID" --regid="$RGID" --clear-groups -- \
	    test -x "$SOCKSERVD" || skip "$SOCKSERVD is not executable by uid $RUID"
	AS_USER="setpriv --reuid=$RUID --regid=$RGID --clear-groups --inh-caps=-all --"
else
	RUID=$(id -u); RGID=$(id -g)
	AS_USER=
fi
mkdir "$T/run"
chown "$RUID" "$T/run"
PIDFILE=$T/run/sockservd.pid
P=$(free_port)
conf=$T/sockserv.conf

# refused WHERE: a config naming root there is refused with exit 77.
refused() {
	local st=0
	$AS_USER "$SOCKSERVD" -f -c "$conf" -p "$PIDFILE" >"$T/out" 2>&1 || st=$?
	[ "$st" = 77 ] || fail "$1 user = root: exited $st, expected 77: $(cat "$T/out")"
	grep -q 'user "root"' "$T/out" ||
	    fail "$1: the message does not name the user: $(cat "$T/out")"
	addr_ready "tcp://127.0.0.1:$P" && fail "$1: port $P bound anyway"
	return 0
}
write_conf "$conf" <<EOC
user = "root"
service s {
	listen = "tcp://127.0.0.1:$P"
	module = "echo"
}
EOC
chmod 644 "$conf"
refused global
write_conf "$conf" <<EOC
service s {
	listen = "tcp://127.0.0.1:$P"
	module = "echo"
	user = "root"
}
EOC
refused "service s:"

# No user: it serves, as the user it was started as.
write_conf "$conf" <<EOC
service s {
	listen = "tcp://127.0.0.1:$P"
	module = "echo"
}
EOC
printf '#!/bin/sh\nexec %s "%s" "$@"\n' "$AS_USER" "$SOCKSERVD" >"$T/as-user"
chmod 755 "$T/as-user"
SOCKSERVD=$T/as-user
start_daemon "$conf"
[ "$(echo_tcp 127.0.0.1 "$P" hi)" = hi ] || fail "not served"
# With setpriv, $DAEMON_PID is setpriv's, which exec'd the daemon.
expect_ident "$DAEMON_PID" master "$RUID" "$RGID"
bg pc hold "" 127.0.0.1 "$P" 1 "$T/ready" "$T/stop" verify >"$T/hold.out"
wait_until 10 test -f "$T/ready" || fail "held connection not served"
has_child() { [ -n "$(children_of "$DAEMON_PID")" ]; }
wait_until 10 has_child || fail "no fork child"
ZERO=$(capmask)
for kid in $(children_of "$DAEMON_PID"); do
	expect_ident "$kid" child "$RUID" "$RGID"
	expect_caps "$kid" child "$ZERO" "$ZERO" "$ZERO" "$ZERO"
	[ "$(status_field "$kid" NoNewPrivs)" = 1 ] ||
	    fail "child $kid: NoNewPrivs is not 1"
done
touch "$T/stop"
stop_daemon TERM
[ "$DAEMON_STATUS" = 0 ] || fail "daemon exited $DAEMON_STATUS after SIGTERM"
