#!/bin/sh
# t-priv-service-user: a global user (nobody) and a per-service user
# (daemon).  The master runs as nobody and, because a service runs as
# another user, keeps exactly CAP_SETUID, CAP_SETGID and CAP_KILL (no port
# below 1024 here, so no CAP_NET_BIND_SERVICE).  Every prefork worker and
# fork-mode child runs as its own service's user, with that user's
# supplementary groups and no capability; SIGTERM still stops workers
# running as the other user.  Root only.
. "$top_srcdir/tests/e2e/lib-priv.sh"
need_root
set -- $(user_ids nobody); NUID=$1; NGID=$2
set -- $(user_ids daemon); DUID=$1; DGID=$2
[ "$NUID" != "$DUID" ] || skip "nobody and daemon share a uid"
groups_of_user() { id -G "$1" | tr ' ' '\n' | sort -n | tr '\n' ' '; }
groups_of_pid() {
	status_field "$1" Groups | tr ' \t' '\n\n' | grep . | sort -n | tr '\n' ' '
}

chmod 711 "$T"
PIDFILE=$T/run/sockservd.pid
PA=$(free_port); PB=$(free_port); PC=$(free_port)
conf=$T/sockserv.conf
write_conf "$conf" <<EOC
user = "nobody"
service a {
	listen = "tcp://127.0.0.1:$PA"
	module = "echo"
	mode = "prefork"
	workers = 2
	min_spare = 1
	max_spare = 2
	user = "daemon"
}
service b {
	listen = "tcp://127.0.0.1:$PB"
	module = "echo"
	mode = "prefork"
	workers = 2
	min_spare = 1
	max_spare = 2
}
service c {
	listen = "tcp://127.0.0.1:$PC"
	module = "echo"
	mode = "fork"
	user = "daemon"
}
EOC
start_daemon "$conf"
for p in $PA $PB $PC; do
	[ "$(echo_tcp 127.0.0.1 "$p" hi)" = hi ] || fail "port $p not served"
done

KEEP=$(capmask $CAP_SETUID $CAP_SETGID $CAP_KILL)
ZERO=$(capmask)
expect_ident "$DAEMON_PID" master "$NUID" "$NGID"
expect_caps "$DAEMON_PID" master "$KEEP" "$KEEP" "$ZERO" "$ZERO"
note "master: $(grep -E '^(Uid|Gid|Cap)' /proc/$DAEMON_PID/status | tr '\t\n' ' ')"

# 4 workers, then a fork child for a held connection to c.
count_children() { [ "$(children_of "$DAEMON_PID" | wc -l)" = "$1" ]; }
wait_until 10 count_children 4 || fail "expected 4 prefork workers"
bg pc hold "" 127.0.0.1 "$PC" 1 "$T/ready" "$T/stop" verify >"$T/hold.out"
wait_until 10 test -f "$T/ready" || fail "held connection not served"
wait_until 10 count_children 5 || fail "no fork child for the held connection"

nd=0; nn=0
for kid in $(children_of "$DAEMON_PID"); do
	u=$(status_field "$kid" Uid | awk '{ print $1 }')
	case $u in
	"$DUID") expect_ident "$kid" "daemon child" "$DUID" "$DGID"
		[ "$(groups_of_pid "$kid")" = "$(groups_of_user daemon)" ] ||
		    fail "child $kid: groups $(groups_of_pid "$kid")"
		nd=$((nd + 1)) ;;
	"$NUID") expect_ident "$kid" "nobody child" "$NUID" "$NGID"
		[ "$(groups_of_pid "$kid")" = "$(groups_of_user nobody)" ] ||
		    fail "child $kid: groups $(groups_of_pid "$kid")"
		nn=$((nn + 1)) ;;
	*) fail "child $kid runs as uid $u" ;;
	esac
	expect_caps "$kid" child "$ZERO" "$ZERO" "$ZERO" "$ZERO"
	[ "$(status_field "$kid" NoNewPrivs)" = 1 ] ||
	    fail "child $kid: NoNewPrivs is not 1"
	note "child $kid: $(grep -E '^(Uid|Gid|Groups|CapEff|CapPrm|NoNewPrivs)' /proc/$kid/status | tr '\t\n' ' ')"
done
[ "$nd" = 3 ] || fail "$nd processes as daemon, expected 3 (2 workers of a, c's child)"
[ "$nn" = 2 ] || fail "$nn processes as nobody, expected 2 (workers of b)"
touch "$T/stop"

# The master (nobody) must still be able to stop daemon's workers.
kids=$(children_of "$DAEMON_PID")
stop_daemon TERM
[ "$DAEMON_STATUS" = 0 ] || fail "daemon exited $DAEMON_STATUS after SIGTERM"
for kid in $kids; do
	! alive "$kid" || fail "worker $kid survived the shutdown"
done
