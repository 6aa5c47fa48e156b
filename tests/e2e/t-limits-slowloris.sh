#!/bin/sh
# t-limits-slowloris: a prefork service (2 workers, max_workers = 4,
# timeout = 1) against 10 slowloris clients, each sending the start of a
# request and then nothing.  The pool grows to max_workers and no
# further, every attacking connection is closed by the server within the
# time the pool needs to time them out 4 at a time, a client arriving
# behind them is served within that time too, the master does not spin,
# and once the attack is over the service answers at once.
. "$top_srcdir/tests/e2e/lib-priv.sh"

port=$(free_port)
conf=$T/sockserv.conf
write_conf "$conf" <<EOC
service p {
	listen = "tcp://127.0.0.1:$port"
	module = "echo"
	mode = "prefork"
	workers = 2
	max_workers = 4
	timeout = 1
	request_queue_size = 64
}
EOC
start_daemon "$conf"
cat >"$T/loris.py" <<'PYEOF'
"""loris.py PORT N READY: open N connections, send each the start of a
request (no newline), write READY, then print for each the seconds until
the server closed it ("open" if still open after 15 s)."""
import os, select, socket, sys, time
port, n, ready = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
socks = []
for i in range(n):
    s = socket.create_connection(('127.0.0.1', port), timeout=10)
    s.sendall(b'GET / HTTP/1.1\r\nHost: x')
    socks.append(s)
t0 = time.monotonic()
open(ready, 'w').close()
closed = {}
while len(closed) < n and time.monotonic() - t0 < 15:
    live = [s for s in socks if s not in closed]
    r, _, _ = select.select(live, [], [], 0.5)
    for s in r:
        try:
            eof = s.recv(4096) == b''
        except OSError:
            eof = True
        if eof:
            closed[s] = time.monotonic() - t0
print(' '.join('%.1f' % closed[s] if s in closed else 'open' for s in socks))
PYEOF

hz=$(getconf CLK_TCK)
c0=$(cpu_ticks "$DAEMON_PID")
bg python3 "$T/loris.py" "$port" 10 "$T/ready" >"$T/loris.out" 2>&1
loris=$!
wait_until 10 test -e "$T/ready" || fail "the attack did not start"
# A client behind the attackers: 10 connections, 4 at a time, 1 s each.
t0=$(date +%s%N)
r=$(E2E_IO_TIMEOUT=10 client rt "tcp://127.0.0.1:$port" hello) ||
    fail "the client behind the attack was not served"
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
[ "$r" = hello ] || fail "the client behind the attack got '$r'"
nmax=0
while alive "$loris"; do
	n=$(children_of "$DAEMON_PID" | wc -l)
	[ "$n" -le "$nmax" ] || nmax=$n
	sleep 0.1
done
wait "$loris" || fail "the attacking client failed: $(cat "$T/loris.out")"
note "served after $ms ms; attackers closed after: $(cat "$T/loris.out"); at most $nmax workers"
! grep -qw open "$T/loris.out" || fail "attacking connections left open: $(cat "$T/loris.out")"
# 10 connections, 4 at a time, 1 s each: done in 3 rounds; allow 8 s.
for s in $(cat "$T/loris.out"); do
	awk -v s="$s" 'BEGIN { exit !(s <= 8) }' ||
	    fail "an attacking connection lasted $s s"
done
[ "$ms" -le 8000 ] || fail "the client behind the attack waited $ms ms"
[ "$nmax" -le 4 ] || fail "the pool grew to $nmax workers, max_workers = 4"
c1=$(cpu_ticks "$DAEMON_PID")
[ $((c1 - c0)) -le $((hz / 2)) ] ||
    fail "the master used $((c1 - c0)) ticks during the attack"
t0=$(date +%s%N)
[ "$(echo_tcp 127.0.0.1 "$port" after)" = after ] || fail "no echo after the attack"
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
[ "$ms" -le 1000 ] || fail "after the attack, a client waited $ms ms"
stop_daemon TERM
[ "$DAEMON_STATUS" = 0 ] || fail "daemon exited $DAEMON_STATUS after SIGTERM"
