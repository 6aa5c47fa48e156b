#!/bin/sh
# t-priv-every-process: started as root with user = "nobody" and one
# port below 1024, every kind of process has the identity and capability
# sets doc/privileges.md gives: the master runs as nobody with CapEff =
# CapPrm = CapBnd = CAP_NET_BIND_SERVICE and CapInh = CapAmb = 0; a fork
# child, a fork-ahead spare, a prefork worker, a thread worker (every
# thread of it, a request thread included), a sync worker and a program
# run by the exec module run as nobody with nobody's groups, all four
# capability sets empty, CapBnd within the master's, and NoNewPrivs 1.
# The throw-away child a reload loads the configuration in holds no more
# than the master.
# Each kind is found by the socket of its service it holds.  Root only.
. "$top_srcdir/tests/e2e/lib-priv.sh"
need_root
set -- $(user_ids nobody); NUID=$1; NGID=$2
NGROUPS=$(id -G nobody | tr ' ' '\n' | sort -n | tr '\n' ' ')
su -s /bin/sh nobody -c "test -x '$top_builddir/.libs/echo.so'" 2>/dev/null ||
    skip "nobody cannot reach the build tree ($top_builddir)"

chmod 711 "$T"			# nobody must reach its pidfile directory
PIDFILE=$T/run/sockservd.pid
mkdir "$T/gate"
chmod 777 "$T/gate"		# the exec program writes its pid there
cat >"$T/prog.sh" <<EOS
#!/bin/sh
read -r line || exit 0		# the readiness probe sends nothing
echo "\$line"
echo \$\$ >"$T/gate/prog.pid"
while [ ! -e "$T/gate/stop" ]; do sleep 0.1; done
echo done
EOS
chmod 755 "$T/prog.sh"
PL=$(free_priv_port) PA=$(free_port) PP=$(free_port) PT=$(free_port)
PS=$(free_port) PE=$(free_port)
conf=$T/sockserv.conf
write_conf "$conf" <<EOC
user = "nobody"
shutdown_timeout = 2
service low {
	listen = "tcp://127.0.0.1:$PL"
	module = "echo"
	mode = "fork"
}
service ahead {
	listen = "tcp://127.0.0.1:$PA"
	module = "echo"
	mode = "fork"
	fork_ahead = 2
}
service pool {
	listen = "tcp://127.0.0.1:$PP"
	module = "echo"
	mode = "prefork"
	workers = 2
}
service thr {
	listen = "tcp://127.0.0.1:$PT"
	module = "echo"
	mode = "thread"
}
service syn {
	listen = "tcp://127.0.0.1:$PS"
	module = "echo"
	mode = "sync"
}
service ex {
	listen = "tcp://127.0.0.1:$PE"
	module = "exec"
	exec { argv = { "$T/prog.sh" } }
}
EOC
start_daemon "$conf"

NBS=$(capmask $CAP_NET_BIND_SERVICE) ZERO=$(capmask)
expect_ident "$DAEMON_PID" master "$NUID" "$NGID"
expect_caps "$DAEMON_PID" master "$NBS" "$NBS" "$ZERO" "$ZERO"
[ "$(status_field "$DAEMON_PID" CapBnd)" = "$NBS" ] ||
    fail "master: CapBnd $(status_field "$DAEMON_PID" CapBnd), expected $NBS"

# Connections held open: a fork child (low), a request thread (thr), a
# busy sync worker (syn) and a running program (ex).
for p in $PL $PT $PS $PE; do
	bg pc hold "" 127.0.0.1 "$p" 1 "$T/ready.$p" "$T/stop" verify \
	    >"$T/hold.$p" 2>&1
done
for p in $PL $PT $PS $PE; do
	wait_until 10 test -f "$T/ready.$p" ||
	    fail "connection to port $p not held: $(cat "$T/hold.$p")"
done
wait_until 10 test -s "$T/gate/prog.pid" || fail "the exec program did not start"
prog=$(cat "$T/gate/prog.pid")

# procs.py MASTER PORT=KIND...: one line per thread of every descendant
# of MASTER: "PID TID KIND THREADS Uid= Gid= Groups= CapInh= CapPrm=
# CapEff= CapBnd= CapAmb= NoNewPrivs=", KIND found from the local ports
# of the TCP sockets the process holds; a child of the master holding
# none is a fork-ahead spare (it gets its connection from the master).
cat >"$T/procs.py" <<'PYEOF'
import os, sys
master = sys.argv[1]
kinds = dict(a.split('=', 1) for a in sys.argv[2:])
ports = {}
for line in open('/proc/net/tcp').readlines()[1:]:
    f = line.split()
    ports[f[9]] = str(int(f[1].split(':')[1], 16))
kids, parent = {}, {}
for p in os.listdir('/proc'):
    try:
        st = open('/proc/%s/stat' % p).read()
    except OSError:
        continue
    parent[p] = st.rsplit(')', 1)[1].split()[1]
    kids.setdefault(parent[p], []).append(p)
todo, desc = [master], []
while todo:
    for k in kids.get(todo.pop(), []):
        desc.append(k)
        todo.append(k)
for pid in desc:
    kind = 'fork-ahead-spare' if parent[pid] == master else 'other'
    try:
        for fd in os.listdir('/proc/%s/fd' % pid):
            l = os.readlink('/proc/%s/fd/%s' % (pid, fd))
            if l.startswith('socket:[') and ports.get(l[8:-1]) in kinds:
                kind = kinds[ports[l[8:-1]]]
        tasks = os.listdir('/proc/%s/task' % pid)
        for tid in tasks:
            f = {}
            for l in open('/proc/%s/task/%s/status' % (pid, tid)):
                k, _, v = l.partition(':')
                f[k] = ' '.join(v.split())
            print(pid, tid, kind, len(tasks), ' '.join(
                '%s=%s' % (k, f.get(k, '').replace(' ', ','))
                for k in ('Uid', 'Gid', 'Groups', 'CapInh', 'CapPrm',
                          'CapEff', 'CapBnd', 'CapAmb', 'NoNewPrivs')))
    except OSError:
        continue
PYEOF
procs() {
	python3 "$T/procs.py" "$DAEMON_PID" "$PL=fork-child" "$PP=prefork-worker" "$PT=thread-worker" "$PS=sync-worker" \
	    "$PE=exec-keeper"
}
# the spares are back (the readiness probe used one)
spares_up() { [ "$(procs | grep -c ' fork-ahead-spare ')" -ge 2 ]; }
wait_until 10 spares_up || fail "fork-ahead spares not found: $(procs)"
procs >"$T/procs"
for k in fork-child fork-ahead-spare prefork-worker thread-worker sync-worker \
    exec-keeper; do
	grep -q " $k " "$T/procs" || fail "no $k found: $(cat "$T/procs")"
done
awk '$3 == "thread-worker" && $4 >= 2 { f = 1 } END { exit !f }' "$T/procs" ||
    fail "the thread worker has no request thread"
awk -v p="$prog" '$1 == p { f = 1 } END { exit !f }' "$T/procs" ||
    fail "the exec program $prog is not a descendant of the master"
ids="Uid=$NUID,$NUID,$NUID,$NUID Gid=$NGID,$NGID,$NGID,$NGID"
want="$ids Groups=$(echo $NGROUPS | tr ' ' ',') CapInh=$ZERO CapPrm=$ZERO CapEff=$ZERO CapBnd=CB CapAmb=$ZERO NoNewPrivs=1"
while read -r pid tid kind n rest; do
	[ "$pid" = "$prog" ] && kind=exec-program
	set -- $rest
	b=${7#CapBnd=}
	[ $(( 0x$b & ~0x$NBS )) = 0 ] ||
	    fail "$kind $pid thread $tid: CapBnd $b beyond the master's $NBS"
	[ "${rest/CapBnd=$b/CapBnd=CB}" = "$want" ] ||
	    fail "$kind $pid thread $tid: $rest, expected $want"
done <"$T/procs"
note "$(wc -l <"$T/procs") threads checked: $(awk -v p="$prog" '{ print $1 == p ? "exec-program" : $3 }' "$T/procs" | sort | uniq -c | tr -s ' \n' ' ')"
touch "$T/stop" "$T/gate/stop"

# A reload loads the new configuration in a throw-away child first; with
# a module check that takes 2 s, it is caught there: no more than the
# master.
before=$(children_of "$DAEMON_PID")
cat >>"$conf" <<EOC
service trial {
	listen = "tcp://127.0.0.1:$(free_port)"
	module = "slow"
	slow { check_ms = 2000 }
}
EOC
kill -HUP "$DAEMON_PID"
# The child lives 2 s: read its status at once, check it afterwards.
python3 - "$DAEMON_PID" $before >"$T/trial" <<'PYEOF' || fail "no trial child during the reload"
import os, sys, time
master, before = sys.argv[1], set(sys.argv[2:])
end = time.monotonic() + 10
while time.monotonic() < end:
    for p in os.listdir('/proc'):
        if not p.isdigit() or p in before:
            continue
        try:
            if open('/proc/%s/stat' % p).read().rsplit(')', 1)[1].split()[1] != master:
                continue
            st = open('/proc/%s/status' % p).read()
            if 'Name:\tslow-check\n' in st:	# not a worker starting now
                sys.stdout.write(st)
                sys.exit(0)
        except (OSError, IndexError):
            continue
    time.sleep(0.02)
sys.exit(1)
PYEOF
field() { awk -v f="$1:" '$1 == f { $1 = ""; sub(/^ +/, ""); print; exit }' "$T/trial"; }
[ "$(field Uid | tr -s ' \t' ' ')" = "$NUID $NUID $NUID $NUID" ] &&
    [ "$(field Gid | tr -s ' \t' ' ')" = "$NGID $NGID $NGID $NGID" ] ||
    fail "trial child: Uid $(field Uid), Gid $(field Gid)"
for f in CapEff:$NBS CapPrm:$NBS CapBnd:$NBS CapInh:$ZERO CapAmb:$ZERO; do
	[ "$(field "${f%%:*}")" = "${f#*:}" ] ||
	    fail "trial child: ${f%%:*} is $(field "${f%%:*}"), expected ${f#*:}"
done
wait_until 15 log_has '^reloaded ' || fail "the reload did not complete"
stop_daemon TERM
[ "$DAEMON_STATUS" = 0 ] || fail "daemon exited $DAEMON_STATUS after SIGTERM"
