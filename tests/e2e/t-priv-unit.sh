#!/bin/sh
# t-priv-unit: the daemon works as the shipped unit runs it
# (etc/sockservd.service.in): as an ordinary user (User=), holding only
# the ambient capabilities the unit grants (CAP_NET_BIND_SERVICE,
# CAP_SETUID, CAP_SETGID, CAP_KILL, also its bounding set) and with
# no_new_privs (NoNewPrivileges=yes); emulated with setpriv, as root.  It
# binds a port below 1024, a service of another user gets workers of
# that user with no capability, a reload binds another low port, and a
# stop ends every worker (CAP_KILL across users).
. "$top_srcdir/tests/e2e/lib-priv.sh"

need_root
command -v setpriv >/dev/null 2>&1 || skip "no setpriv"
set -- $(user_ids nobody); RUID=$1; RGID=$2
set -- $(user_ids daemon); DUID=$1; DGID=$2
chmod 755 "$T"
need_reachable "$RUID" "$RGID" "$T" "$SOCKSERVD" \
    "$top_builddir/.libs/libsockserv.so" "$SOCKSERV_MODULE_DIR/echo.so"
caps=net_bind_service,setuid,setgid,kill
capp=+${caps//,/,+}
printf '#!/bin/sh\nexec setpriv --reuid=%s --regid=%s --init-groups --inh-caps=%s --ambient-caps=%s --bounding-set=-all,%s --no-new-privs -- "%s" "$@"\n' \
    "$RUID" "$RGID" "$capp" "$capp" "$capp" "$SOCKSERVD" >"$T/as-unit"
chmod 755 "$T/as-unit"
SOCKSERVD=$T/as-unit
mkdir "$T/run"
chown "$RUID:$RGID" "$T/run"
PIDFILE=$T/run/sockservd.pid

lp=$(free_priv_port)
p=$(free_port)
conf=$T/sockserv.conf
write_conf "$conf" <<EOC
user = "nobody"
service low {
	listen = "tcp://127.0.0.1:$lp"
	module = "echo"
}
service other {
	listen = "tcp://127.0.0.1:$p"
	module = "echo"
	mode = "prefork"
	workers = 2
	user = "daemon"
}
EOC
chmod 644 "$conf"
start_daemon "$conf"
[ "$(echo_tcp 127.0.0.1 "$lp" low)" = low ] || fail "not served on port $lp"
[ "$(echo_tcp 127.0.0.1 "$p" other)" = other ] || fail "not served on $p"
expect_ident "$DAEMON_PID" master "$RUID" "$RGID"
[ "$(status_field "$DAEMON_PID" NoNewPrivs)" = 1 ] || fail "master without NNP"
ZERO=$(capmask)
n=0
for kid in $(children_of "$DAEMON_PID"); do
	expect_ident "$kid" "worker of other" "$DUID" "$DGID"
	expect_caps "$kid" "worker of other" "$ZERO" "$ZERO" "$ZERO" "$ZERO"
	n=$((n + 1))
done
[ "$n" -ge 2 ] || fail "$n workers of service other, expected 2"

# A reload binds another port below 1024.
lp2=$(free_priv_port)
sed -i "s/127.0.0.1:$lp\"/127.0.0.1:$lp2\"/" "$conf"
kill -HUP "$DAEMON_PID"
served() { [ "$(echo_tcp 127.0.0.1 "$lp2" x 2>/dev/null)" = x ]; }
wait_until 10 served || fail "a reload could not bind port $lp2"

kids=$(children_of "$DAEMON_PID")
stop_daemon TERM
[ "$DAEMON_STATUS" = 0 ] || fail "exit $DAEMON_STATUS after SIGTERM"
for kid in $kids; do
	! alive "$kid" || fail "worker $kid (uid $DUID) outlived the stop"
done
