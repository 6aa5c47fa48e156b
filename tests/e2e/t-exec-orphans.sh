#!/bin/sh
# exec: a program that forks a sleeper (in its process group, holding the
# socket) and one that escapes with setsid leaves nothing behind once it
# exits: the client gets EOF and both sleepers are killed and reaped.
. "$top_srcdir/tests/e2e/lib.sh"
. "$top_srcdir/tests/e2e/lib-mod.sh"

command -v setsid >/dev/null || skip "no setsid(1)"
port=$(free_port)
cat >"$T/prog.sh" <<EOS
sleep 300 &
echo \$! >$T/sleeper.pid
setsid sleep 301 </dev/null >/dev/null 2>&1 &
e=\$!
echo \$e >$T/escapee.pid
# exit only once it has escaped: its session is its own (stat field 6)
i=0
while [ "\$(cut -d' ' -f6 /proc/\$e/stat)" != "\$e" ] && [ \$i -lt 200 ]; do
	sleep 0.05; i=\$((i + 1))
done
echo started
exit 0
EOS
write_conf "$T/c.conf" <<EOC
log = "stderr"
service forker {
    listen = "tcp://127.0.0.1:$port"
    module = "exec"
    exec { argv = {"/bin/sh", "$T/prog.sh"} }
}
EOC
start_daemon "$T/c.conf"
out=$(python3 - "$port" <<'PYEOF'
import socket, sys
s = socket.create_connection(('127.0.0.1', int(sys.argv[1])), timeout=15)
buf = b''
while True:
    b = s.recv(100)
    if not b:
        break
    buf += b
print(buf.decode().strip())
PYEOF
) || fail "no EOF: the sleeper kept the connection open"
[ "$out" = started ] || fail "program output: $out"
for f in sleeper escapee; do
	[ -s "$T/$f.pid" ] || fail "no $f pid"
	pid=$(cat "$T/$f.pid")
	dead() { ! alive "$pid"; }
	wait_until 5 dead || fail "$f $pid survived the connection"
done
nz() { [ -z "$(zombies_of "$DAEMON_PID")" ]; }
wait_until 5 nz || fail "zombies left"
exit 0
