#!/bin/sh
# A datagram reply that cannot be sent is logged with its reason.  A
# Unix datagram client binds a socket file and takes away its write
# permission (mode 0), so the worker's sendto fails with EACCES (a root
# worker has no CAP_DAC_OVERRIDE): the log line names the client and
# "Permission denied", in fork, prefork and thread mode, where it used to
# say only "request failed".
. "$top_srcdir/tests/e2e/lib.sh"

write_conf "$T/c.conf" <<EOC
log = "stderr"
service f {
	listen = "unixgram://$T/f.sock"
	module = "echo"
	mode = "fork"
}
service p {
	listen = "unixgram://$T/p.sock"
	module = "echo"
	mode = "prefork"
	workers = 1
}
service t {
	listen = "unixgram://$T/t.sock"
	module = "echo"
	mode = "thread"
}
EOC
start_daemon "$T/c.conf"
for s in f p t; do
	[ "$(echo_unixgram "$T/$s.sock" hi)" = hi ] || fail "service $s not served"
	# A client socket the worker may not write to: no reply can come.
	"$PYTHON" - "$T/$s.sock" "$T/cl-$s.sock" <<'PYEOF' || fail "client failed"
import os, socket, sys
c = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
c.bind(sys.argv[2])
os.chmod(sys.argv[2], 0)
c.settimeout(1)
c.sendto(b'unanswerable\n', sys.argv[1])
try:
    sys.exit('a reply came: %r' % c.recv(100))
except socket.timeout:
    pass
PYEOF
	wait_until 10 log_has "service $s: .*cl-$s.sock: request failed: Permission denied$" ||
	    fail "service $s: the failed reply is not logged with its reason"
done
! log_has 'request failed$' || fail "a request failure logged without a reason"
stop_daemon TERM
