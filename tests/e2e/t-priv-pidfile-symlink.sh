#!/bin/sh
# t-priv-pidfile-symlink: with user = "nobody", a directory of nobody's
# on the pidfile's path can hold a symlink nobody planted.  A pidfile
# whose directory component is such a link must not be created through
# it: the start is refused (exit 77, the link named) and a file of the
# pidfile's name in the link's target is neither truncated nor written.
# Root only.
. "$top_srcdir/tests/e2e/lib-priv.sh"
need_root
set -- $(user_ids nobody); NUID=$1; NGID=$2

chmod 711 "$T"
mkdir "$T/run" "$T/target"
chown "$NUID:$NGID" "$T/run"
chmod 700 "$T/target"
printf 'root secret\n' >"$T/target/sockservd.pid"
chmod 600 "$T/target/sockservd.pid"
before=$(file_sig "$T/target/sockservd.pid")
ln -s "$T/target" "$T/run/link"
chown -h "$NUID:$NGID" "$T/run/link"
PIDFILE=$T/run/link/sockservd.pid

P=$(free_port)
conf=$T/sockserv.conf
write_conf "$conf" <<EOC
user = "nobody"
log = "stderr"
service echo {
	listen = "tcp://127.0.0.1:$P"
	module = "echo"
}
EOC
run_refused "$conf"
after=$(file_sig "$T/target/sockservd.pid")
[ "$after" = "$before" ] ||
    fail "the file behind the link changed: '$before' became '$after'"
expect_refused "pidfile through a link" \
    "pidfile $PIDFILE: $T/run/link is a symbolic link"
