#!/bin/sh
# t-priv-socket-symlink: a master running as root (no `user') keeps a
# Unix listener across SIGHUP and re-applies its owner and mode.  If the
# socket file was replaced by a symlink to a root-owned 0600 file, the
# reload must not touch that file (it used to become mode 0666): the
# listener is kept, the file left alone and the reason logged.  At
# shutdown the symlink is not removed in place of the socket.  Root only.
. "$top_srcdir/tests/e2e/lib-priv.sh"
need_root

mkdir "$T/s"
SOCK=$T/s/echo.sock
printf 'root secret\n' >"$T/victim"
chmod 600 "$T/victim"
before=$(file_sig "$T/victim")

P=$(free_port)
conf=$T/sockserv.conf
write_conf "$conf" <<EOC
log = "stderr"
service echo {
	listen = { "tcp://127.0.0.1:$P", "unix://$SOCK" }
	module = "echo"
	socket_mode = "0666"
}
EOC
start_daemon "$conf"
[ "$(echo_unix "$SOCK" hello)" = hello ] || fail "$SOCK not served"
[ "$(stat -c %a "$SOCK")" = 666 ] || fail "socket mode $(stat -c %a "$SOCK")"

rm -f "$SOCK"
ln -s "$T/victim" "$SOCK"
kill -HUP "$DAEMON_PID"
wait_until 10 log_has "reloaded $conf" || fail "no reload"
after=$(file_sig "$T/victim")
[ "$after" = "$before" ] ||
    fail "the symlink's target changed at reload: '$before' became '$after'"
log_has "service echo: unix://$SOCK: socket file: no longer the socket bound there" ||
    fail "the replaced socket file was not reported"
[ "$(echo_tcp 127.0.0.1 "$P" still)" = still ] || fail "tcp lost at reload"

stop_daemon TERM
[ "$DAEMON_STATUS" = 0 ] || fail "daemon exited $DAEMON_STATUS"
[ -L "$SOCK" ] || fail "the symlink in the socket's place was removed"
after=$(file_sig "$T/victim")
[ "$after" = "$before" ] ||
    fail "the symlink's target changed at shutdown: '$before' became '$after'"
