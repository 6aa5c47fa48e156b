#!/bin/sh
# t-modes-echo: every mode (fork, prefork, thread, sync) serves the echo
# module correctly over tcp, udp, unix stream and unix datagram, to several
# clients at once.
. "$top_srcdir/tests/e2e/lib.sh"

MODES="fork prefork thread sync"
CLIENTS=3
conf=$T/sockserv.conf
{
	echo 'log_level = "debug"'
	for m in $MODES; do
		p=$(free_port)
		echo "$p" >"$T/port.$m"
		cat <<EOC
service echo_$m {
	listen = { "tcp://127.0.0.1:$p", "udp://127.0.0.1:$p",
	    "unix://$T/$m.sock", "unixgram://$T/$m.dgram" }
	module = "echo"
	mode = "$m"
	workers = 2
}
EOC
	done
} >"$conf"

start_daemon "$conf"

urls() {
	local p
	p=$(cat "$T/port.$1")
	echo "tcp://127.0.0.1:$p udp://127.0.0.1:$p unix://$T/$1.sock unixgram://$T/$1.dgram"
}

# Start every client of every mode and URL at once, then check each.
jobs_=
for m in $MODES; do
	for u in $(urls "$m"); do
		for i in $(seq "$CLIENTS"); do
			out=$T/out.$m.$(echo "$u" | cut -d: -f1).$i
			bg client rt "$u" "a-$m-$i" "b $m $i" "c-$m-$i" >"$out" 2>&1
			jobs_="$jobs_ $!:$out"
		done
	done
done
bad=0
for j in $jobs_; do
	pid=${j%%:*} out=${j#*:}
	m=${out#"$T"/out.} m=${m%%.*} i=${out##*.}
	if ! wait "$pid"; then
		note "client $out failed: $(cat "$out")"; bad=$((bad + 1)); continue
	fi
	exp=$(printf 'a-%s-%s\nb %s %s\nc-%s-%s' "$m" "$i" "$m" "$i" "$m" "$i")
	if [ "$(cat "$out")" != "$exp" ]; then
		note "client $out: got '$(cat "$out")'"; bad=$((bad + 1))
	fi
done
[ "$bad" = 0 ] || fail "$bad of $(echo $jobs_ | wc -w) echo clients failed"
daemon_alive || fail "daemon died while serving"
stop_daemon TERM
[ "$DAEMON_STATUS" = 0 ] || fail "daemon exited $DAEMON_STATUS after SIGTERM"
