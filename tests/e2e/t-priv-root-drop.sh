#!/bin/sh
# t-priv-root-drop: started as root with user = "nobody" and a service on a
# port below 1024, the master binds, then runs as nobody keeping only
# CAP_NET_BIND_SERVICE (CapEff = CapPrm = CapBnd = that bit, CapInh and
# CapAmb zero).  A fork-mode child and the prefork workers run as nobody
# with every capability set empty and no_new_privs.  A reload adding a
# second port below 1024 binds it after the drop, and the pidfile (in a
# directory the daemon created for nobody) is removed at exit.  Root only.
. "$top_srcdir/tests/e2e/lib-priv.sh"
need_root
set -- $(user_ids nobody); NUID=$1; NGID=$2
NGROUPS=$(id -G nobody | tr ' ' '\n' | sort -n | tr '\n' ' ')

chmod 711 "$T"			# nobody must reach its pidfile directory
# After the drop the master, as nobody, reads the config and the modules
# again at reload.
need_reachable "$NUID" "$NGID" "$T" "$SOCKSERV_MODULE_DIR/echo.so"
PIDFILE=$T/run/sockservd.pid
P1=$(free_priv_port)
P2=$(free_port)
conf=$T/sockserv.conf
write_conf "$conf" <<EOC
user = "nobody"
service low {
	listen = "tcp://127.0.0.1:$P1"
	module = "echo"
	mode = "fork"
}
service pool {
	listen = "tcp://127.0.0.1:$P2"
	module = "echo"
	mode = "prefork"
	workers = 2
	min_spare = 1
	max_spare = 2
}
EOC
start_daemon "$conf"
[ "$(echo_tcp 127.0.0.1 "$P1" hello)" = hello ] || fail "port $P1 not served"
[ "$(echo_tcp 127.0.0.1 "$P2" hello)" = hello ] || fail "port $P2 not served"

# The master: nobody, keeping CAP_NET_BIND_SERVICE only.
NBS=$(capmask $CAP_NET_BIND_SERVICE)
expect_ident "$DAEMON_PID" master "$NUID" "$NGID"
expect_caps "$DAEMON_PID" master "$NBS" "$NBS" "$(capmask)" "$(capmask)"
[ "$(status_field "$DAEMON_PID" CapBnd)" = "$NBS" ] ||
    fail "master CapBnd $(status_field "$DAEMON_PID" CapBnd), expected $NBS"
note "master: $(grep -E '^(Uid|Gid|Cap|NoNewPrivs)' /proc/$DAEMON_PID/status | tr '\t\n' ' ')"

# One connection held open in fork mode: the master has 2 workers + 1 child.
count_children() { [ "$(children_of "$DAEMON_PID" | wc -l)" = "$1" ]; }
wait_until 10 count_children 2 || fail "expected 2 prefork workers"
bg pc hold "" 127.0.0.1 "$P1" 1 "$T/ready" "$T/stop" verify >"$T/hold.out"
wait_until 10 test -f "$T/ready" || fail "held connection not served"
wait_until 10 count_children 3 || fail "no fork child for the held connection"
for kid in $(children_of "$DAEMON_PID"); do
	expect_ident "$kid" child "$NUID" "$NGID"
	expect_caps "$kid" child "$(capmask)" "$(capmask)" "$(capmask)" "$(capmask)"
	[ "$(status_field "$kid" NoNewPrivs)" = 1 ] ||
	    fail "child $kid: NoNewPrivs is not 1"
	g=$(status_field "$kid" Groups | tr ' \t' '\n\n' | grep . | sort -n | tr '\n' ' ')
	[ "$g" = "$NGROUPS" ] || fail "child $kid: groups '$g', expected '$NGROUPS'"
	note "child $kid: $(grep -E '^(Uid|Gid|Groups|Cap|NoNewPrivs)' /proc/$kid/status | tr '\t\n' ' ')"
done
touch "$T/stop"

# Reload: a second privileged port is bound by the unprivileged master.
P3=$(free_priv_port)
[ "$P3" != "$P1" ] || P3=$(free_priv_port)
cat >>"$conf" <<EOC
service low2 {
	listen = "tcp://127.0.0.1:$P3"
	module = "echo"
}
EOC
kill -HUP "$DAEMON_PID"
wait_until 10 addr_ready "tcp://127.0.0.1:$P3" ||
    fail "port $P3 not bound after reload"
[ "$(echo_tcp 127.0.0.1 "$P3" again)" = again ] || fail "port $P3 not served"
[ "$(echo_tcp 127.0.0.1 "$P1" still)" = still ] || fail "port $P1 lost at reload"
expect_ident "$DAEMON_PID" "master after reload" "$NUID" "$NGID"

stop_daemon TERM
[ "$DAEMON_STATUS" = 0 ] || fail "daemon exited $DAEMON_STATUS after SIGTERM"
[ ! -e "$PIDFILE" ] || fail "pidfile $PIDFILE left behind"
