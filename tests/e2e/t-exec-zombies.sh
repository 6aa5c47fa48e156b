#!/bin/sh
# exec: 100 connections in a row, each answered by its own program, leave
# no zombie and no stray process behind the daemon.
. "$top_srcdir/tests/e2e/lib.sh"
. "$top_srcdir/tests/e2e/lib-mod.sh"

port=$(free_port)
write_conf "$T/c.conf" <<EOC
log = "stderr"
service hello {
    listen = "tcp://127.0.0.1:$port"
    module = "exec"
    exec { argv = {"/bin/sh", "-c", "read l; echo \"hi \$l\""} }
}
EOC
start_daemon "$T/c.conf"
python3 - "$port" <<'PYEOF' || fail "connections failed"
import socket, sys, time
port = int(sys.argv[1])
end = time.time() + 40
for i in range(100):
    if time.time() > end:
        sys.exit('too slow: %d connections' % i)
    s = socket.create_connection(('127.0.0.1', port), timeout=10)
    s.sendall(b'%d\n' % i)
    buf = b''
    while True:
        b = s.recv(100)
        if not b:
            break
        buf += b
    s.close()
    if buf != b'hi %d\n' % i:
        sys.exit('connection %d: %r' % (i, buf))
PYEOF
# every connection's child (and its program) is gone and reaped
settled() {
	[ -z "$(zombies_of "$DAEMON_PID")" ] &&
	    [ -z "$(descendants_of "$DAEMON_PID" | while read -r p; do
		cmd=$(tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null)
		case $cmd in *"read l"*) echo "$p";; esac; done)" ]
}
wait_until 10 settled || fail "left behind: $(descendants_of "$DAEMON_PID")"
served() { [ "$(grep -c 'status 0$' "$DAEMON_LOG")" -ge 100 ]; }
wait_until 10 served || fail "the master did not log 100 exits with status 0"
exit 0
