#!/bin/sh
# exec: with `timeout', a program that moves no byte for that long is
# killed and reaped and its client sees the connection close; a program
# that keeps talking is not killed however long it lasts.
. "$top_srcdir/tests/e2e/lib.sh"
. "$top_srcdir/tests/e2e/lib-mod.sh"

p1=$(free_port)
p2=$(free_port)
write_conf "$T/c.conf" <<EOC
log = "stderr"
service idle {
    listen = "tcp://127.0.0.1:$p1"
    module = "exec"
    timeout = 1
    exec { argv = {"/bin/sh", "-c", "echo \$\$ >$T/idle.pid; exec sleep 60"} }
}
service chatty {
    listen = "tcp://127.0.0.1:$p2"
    module = "exec"
    timeout = 1
    exec { argv = {"/bin/cat"} }
}
EOC
start_daemon "$T/c.conf"

python3 - "$p1" <<'PYEOF' || fail "idle connection not closed"
import socket, sys, time
s = socket.create_connection(('127.0.0.1', int(sys.argv[1])), timeout=15)
t0 = time.time()
if s.recv(10) != b'':
    sys.exit('data from an idle program')
el = time.time() - t0
if el < 0.8 or el > 10:
    sys.exit('closed after %.1f s, timeout is 1 s' % el)
PYEOF
[ -s "$T/idle.pid" ] || fail "the program never ran"
gone() { ! alive "$(cat "$T/idle.pid")"; }
wait_until 5 gone || fail "idle program $(cat "$T/idle.pid") still alive"
log_has 'idle for 1 s, killed' || fail "no log line for the kill"

# 3 s of traffic, a byte every 0.3 s, over a 1 s idle limit
python3 - "$p2" <<'PYEOF' || fail "a talking program was cut off"
import socket, sys, time
s = socket.create_connection(('127.0.0.1', int(sys.argv[1])), timeout=5)
for i in range(10):
    s.sendall(b'x')
    if s.recv(1) != b'x':
        sys.exit('no echo at %d' % i)
    time.sleep(0.3)
s.shutdown(socket.SHUT_WR)
if s.recv(1) != b'':
    sys.exit('no EOF after shutdown')
PYEOF
nz() { [ -z "$(zombies_of "$DAEMON_PID")" ]; }
wait_until 5 nz || fail "zombies left"
exit 0
