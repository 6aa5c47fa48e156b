#!/bin/sh
# t-reload-load: 200 SIGHUPs in about 2 s, each after a real change of
# the configuration (written atomically; a module switched too), while
# clients connect without pause to a fork, a prefork and a thread
# service.  No connection fails, no reload is refused, and once the storm is over the master's
# descriptor count is what it was before it, its resident size has not
# grown by more than 512 KiB, and the process tree is back to its size.
. "$top_srcdir/tests/e2e/lib.sh"

pf=$(free_port) pp=$(free_port) pt=$(free_port)
conf=$T/sockserv.conf
gen_conf() {	# gen_conf N: variant N of the config, replacing it at once
	cat >"$conf.new" <<EOC
shutdown_timeout = 10
service f {
	listen = { "tcp://127.0.0.1:$pf", "unix://$T/f.sock" }
	module = "echo"
	mode = "fork"
	max_children = $((40 + $1 % 2))
}
service p {
	listen = "tcp://127.0.0.1:$pp"
	module = "echo"
	mode = "prefork"
	workers = $((2 + $1 % 2))
	max_workers = $((2 + $1 % 2))
}
service t {
	listen = "tcp://127.0.0.1:$pt"
	module = "echo"
	mode = "thread"
	max_children = $((40 + $1 % 2))
}
service m {
	listen = "unix://$T/m.sock"
	module = "$( [ $(($1 % 2)) = 0 ] && echo echo || echo upper)"
}
EOC
	mv -f "$conf.new" "$conf"
}
nfd() { ls "/proc/$DAEMON_PID/fd" | wc -l; }
rss() { awk '$1 == "VmRSS:" { print $2 }' "/proc/$DAEMON_PID/status"; }
ntree() { descendants_of "$DAEMON_PID" | wc -l; }
# settled: variant 0 is in force and every old worker has gone (2
# prefork workers, a fixed pool, and 1 thread worker).
settled() {
	[ "$(ntree)" = 3 ] && [ "$(echo_tcp 127.0.0.1 "$pt" x)" = x ]
}

gen_conf 0
start_daemon "$conf"
# Warm up: the master's allocations reach their working size.
for i in 1 2 3 4 5 6; do
	gen_conf "$i"
	kill -HUP "$DAEMON_PID"
	wait_until 10 eval "[ \$(grep -c '^reloaded ' \"\$DAEMON_LOG\") -ge $i ]" ||
	    fail "warm-up reload $i not done"
done
client par 5 "tcp://127.0.0.1:$pf" "tcp://127.0.0.1:$pp" "tcp://127.0.0.1:$pt" \
    >/dev/null || fail "warm-up clients failed"
wait_until 10 settled || fail "not settled after the warm-up: $(ntree) processes"
fd0=$(nfd) rss0=$(rss)
note "before: $fd0 fds, VmRSS $rss0 kB"

export E2E_STOP_FILE=$T/stop
for u in "tcp://127.0.0.1:$pf" "tcp://127.0.0.1:$pp" "tcp://127.0.0.1:$pt" \
    "unix://$T/f.sock"; do
	bg client loop "$u" 1000000 60 >"$T/loop.${u##*[:/]}" 2>&1
	echo $! >>"$T/loops"
done
sleep 0.3
# The storm: python, since a shell loop forks too much to keep the pace.
gen_conf 1; cp "$conf" "$T/conf.1"
gen_conf 0; cp "$conf" "$T/conf.0"
ms=$(python3 - "$DAEMON_PID" "$conf" "$T/conf" <<'PYEOF'
import os, signal, sys, time
pid, conf, var = int(sys.argv[1]), sys.argv[2], sys.argv[3]
text = [open('%s.%d' % (var, i)).read() for i in (0, 1)]
t0 = time.monotonic()
for i in range(1, 201):
    with open(conf + '.new', 'w') as f:
        f.write(text[i % 2])
    os.replace(conf + '.new', conf)
    os.kill(pid, signal.SIGHUP)
    # on a schedule (one every 10 ms), catching up if the machine lags
    time.sleep(max(0, t0 + i * 0.01 - time.monotonic()))
print(int((time.monotonic() - t0) * 1000))
PYEOF
) || fail "the storm stopped: daemon gone?"
note "200 SIGHUPs in $ms ms"
[ "$ms" -le 3000 ] || fail "200 SIGHUPs took $ms ms: not a storm"
# Back to variant 0 (one more reload), then stop the clients.
sleep 0.5
gen_conf 0
kill -HUP "$DAEMON_PID"
wait_until 20 settled || fail "not settled after the storm: $(ntree) processes"
touch "$E2E_STOP_FILE"
for p in $(cat "$T/loops"); do
	wait "$p" || fail "failed connections during the storm: $(cat "$T"/loop.*)"
done
for f in "$T"/loop.*; do
	ok=$(sed -n 's/^ok=\([0-9]*\) .*/\1/p' "$f")
	[ "${ok:-0}" -ge 20 ] || fail "too few connections to mean anything: $(cat "$f")"
done
note "clients: $(cat "$T"/loop.* | tr '\n' ' ')"
daemon_alive || fail "daemon died in the storm"
n=$(grep -c '^reloaded ' "$DAEMON_LOG")
note "$((n - 6)) reloads done for 201 SIGHUPs"
! log_has 'reload failed' || fail "a reload was refused: $(grep 'reload failed' "$DAEMON_LOG" | head -n 3)"

# Descriptors: exactly as before, once the last old worker is reaped.
wait_until 10 eval '[ "$(nfd)" = "$fd0" ]' ||
    fail "master holds $(nfd) fds after the storm, $fd0 before: $(ls -l /proc/$DAEMON_PID/fd | tail -n +2 | head -n 20)"
rss1=$(rss)
note "after: $(nfd) fds, VmRSS $rss1 kB"
# AddressSanitizer keeps freed memory in quarantine instead of reusing
# it, so RSS grows there without a leak; LeakSanitizer checks leaks in
# that build, and this bound (and t-valgrind-reload) in the plain one.
if [ -z "${SOCKSERV_SANITIZERS:-}" ]; then
	[ "$rss1" -le $((rss0 + 512)) ] ||
	    fail "master VmRSS grew from $rss0 to $rss1 kB in 200 reloads"
fi
stop_daemon TERM
[ "$DAEMON_STATUS" = 0 ] || fail "daemon exited $DAEMON_STATUS after SIGTERM"
