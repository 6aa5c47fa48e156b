# tests/e2e/lib.sh -- helpers for the end-to-end scenarios (t-*.sh).
#
# Source it first thing in a test:   . "$top_srcdir/tests/e2e/lib.sh"
#
# It owns the scaffolding every scenario shares: a private temp dir ($T)
# removed on exit, a cleanup trap that kills (by PID) every process the test
# started and their descendants, free loopback ports, starting/stopping the
# real sockservd from the build tree, polling with deadlines, and a small
# python3 client ($T/client.py, stdlib only) for tcp/udp/unix/unixgram.
#
# Conventions: `fail MSG' exits 1, `skip MSG' exits 77; on any failure the
# cleanup prints the daemon log tail for the reader of the .log file, and a
# sanitizer report in the daemon log fails a test that passed.  set -eu.
#
# Main entry points (details above each function):
#   free_port                   a TCP+UDP port free on 127.0.0.1
#   write_conf FILE <<EOF       write a config from a here-document
#   start_daemon CONF [ARGS]    sockservd -f -c CONF; waits until it listens
#   stop_daemon [SIG [SECS]]    signal, wait (deadline), $DAEMON_STATUS
#   wait_daemon_exit SECS, daemon_alive, alive PID, cpu_ticks PID, log_has RE
#   wait_until SECS CMD...      poll CMD every 0.05 s until true or deadline
#   children_of PID / zombies_of PID / descendants_of PID
#   listen_inode PORT           the socket listening on 127.0.0.1:PORT
#   echo_tcp HOST PORT TEXT, echo_udp, echo_unix PATH TEXT, echo_unixgram
#   client ARGS...              the python client; usage in client.py below
#   bg CMD...                   run CMD in the background, tracked ($!)

# The scenarios need bash; make check may run them with /bin/sh.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu

: "${top_builddir:?top_builddir must be set (run through make check)}"
: "${top_srcdir:=$top_builddir}"
: "${LIBTOOL:=$top_builddir/libtool}"
SOCKSERVD=$top_builddir/sockservd
# The system python3 first: a version manager's shim can cost seconds a run.
if [ -z "${PYTHON:-}" ]; then
	PYTHON=python3
	[ ! -x /usr/bin/python3 ] || PYTHON=/usr/bin/python3
fi
SOCKSERV_MODULE_DIR=$top_builddir/.libs
export SOCKSERV_MODULE_DIR

TEST_NAME=$(basename "$0" .sh)
T=$(mktemp -d "${TMPDIR:-/tmp}/sockserv-$TEST_NAME.XXXXXX")
DAEMON_PID=
DAEMON_LOG=$T/daemon.log
DAEMON_STATUS=
PIDFILE=$T/sockservd.pid
E2E_TMP=$T
export E2E_TMP
_TRACKED=

: >"$DAEMON_LOG"
: >"$T/ports"

# Print a message on stderr (it lands in the test's .log file).
note() { printf '%s: %s\n' "$TEST_NAME" "$*" >&2; }

_log_tail() {
	if [ -s "$DAEMON_LOG" ]; then
		echo "---- daemon log (tail) ----" >&2
		tail -n 40 "$DAEMON_LOG" >&2
		echo "---------------------------" >&2
	fi
}

fail() { note "FAIL: $*"; exit 1; }
skip() { note "SKIP: $*"; exit 77; }

# descendants_of PID: every live descendant, children first, one per line.
descendants_of() {
	local kid
	for kid in $(children_of "$1"); do
		echo "$kid"
		descendants_of "$kid"
	done
}

# children_of PID: the PIDs whose parent is PID (from /proc), one per line.
children_of() {
	local parent=$1 f line
	for f in /proc/[0-9]*/stat; do
		{ read -r line <"$f"; } 2>/dev/null || continue
		line=${line##*) }	# skip "pid (comm) "
		set -- $line		# state ppid ...
		if [ "${2:-}" = "$parent" ]; then
			f=${f#/proc/}
			echo "${f%/stat}"
		fi
	done
}

# proc_state PID: the one-letter state (R, S, Z, ...) or nothing if gone.
proc_state() {
	local line
	{ read -r line <"/proc/$1/stat"; } 2>/dev/null || return 0
	line=${line##*) }
	echo "${line%% *}"
}

# zombies_of PID: the children of PID in state Z, one per line.
zombies_of() {
	local kid
	for kid in $(children_of "$1"); do
		[ "$(proc_state "$kid")" = Z ] && echo "$kid"
	done
	return 0
}

# alive PID: true while PID exists and is not a zombie.
alive() {
	local s
	s=$(proc_state "$1")
	[ -n "$s" ] && [ "$s" != Z ]
}

# cpu_ticks PID: utime + stime of PID in clock ticks.
cpu_ticks() {
	local line
	line=$(cat "/proc/$1/stat") || return 1
	line=${line##*) }
	set -- $line
	# after the comm: state(1) ppid(2) ... utime(12) stime(13)
	echo $(( ${12} + ${13} ))
}

# wait_until SECS CMD...: run CMD every 50 ms until it succeeds (return 0)
# or SECS elapse (return 1).
wait_until() {
	local deadline
	deadline=$(( $(date +%s%N) + $(awk "BEGIN { print int($1 * 1000) }") * 1000000 ))
	shift
	while :; do
		if "$@"; then return 0; fi
		[ "$(date +%s%N)" -lt "$deadline" ] || return 1
		sleep 0.05
	done
}

# bg CMD...: start CMD in the background and track its PID for cleanup.
# The PID is in $! afterwards, as usual.
bg() {
	"$@" &
	_TRACKED="$_TRACKED $!"
}

# Sanitizer reports of the daemon or its children (their stderr is the
# log with -f) fail a test that would otherwise pass.
_sanitizer_reports() {
	grep -E 'ERROR: (Address|Leak|Thread|Memory)Sanitizer|runtime error:' \
	    "$DAEMON_LOG" 2>/dev/null
}

# on_exit CMD: run CMD (a string, eval'ed) at exit, after the processes
# are stopped; for state outside $T a test changed and must restore.
_ON_EXIT=
on_exit() { _ON_EXIT="$_ON_EXIT
$1"; }

_cleanup() {
	local rc=$? p all=
	set +e
	if [ "$rc" = 0 ] && _sanitizer_reports >/dev/null; then
		note "FAIL: sanitizer report in the daemon log"
		rc=1
	fi
	for p in $DAEMON_PID $_TRACKED; do
		all="$all $(descendants_of "$p" | tr '\n' ' ') $p"
	done
	for p in $all; do kill -TERM "$p" 2>/dev/null; done
	for p in $all; do
		wait_until 3 eval "! alive $p" || kill -KILL "$p" 2>/dev/null
	done
	eval "$_ON_EXIT"
	if [ "$rc" != 0 ] && [ "$rc" != 77 ]; then
		_log_tail
	fi
	if [ -z "${E2E_KEEP:-}" ]; then rm -rf "$T"; else note "kept $T"; fi
	exit "$rc"
}
trap _cleanup EXIT
trap 'exit 130' INT TERM

# free_port: print a port free for both TCP and UDP on 127.0.0.1, chosen
# at random below the kernel's ephemeral range (so that client sockets of
# parallel tests never take it), never the same twice in one test.
free_port() {
	local p
	p=$("$PYTHON" - "$T/ports" <<'EOF'
import random, socket, sys
given = set(open(sys.argv[1]).read().split())
lo = int(open('/proc/sys/net/ipv4/ip_local_port_range').read().split()[0])
lo = min(lo, 32768)
for _ in range(500):
    p = random.randint(10000, lo - 1)
    if str(p) in given:
        continue
    try:
        for t in (socket.SOCK_STREAM, socket.SOCK_DGRAM):
            s = socket.socket(socket.AF_INET, t)
            s.bind(('127.0.0.1', p))
            s.close()
    except OSError:
        continue
    print(p)
    sys.exit(0)
sys.exit(1)
EOF
	) || fail "no free port found"
	echo "$p" >>"$T/ports"	# $(free_port) is a subshell: remember here
	echo "$p"
}

# write_conf FILE: write stdin (a here-document) to FILE.
write_conf() { cat >"$1"; }

# conf_listen_urls CONF: the listen URLs written in CONF, one per line.
conf_listen_urls() {
	grep -o '"\(tcp\|udp\|unix\|unixgram\)://[^"]*"' "$1" | tr -d '"' |
	    sed 's,tcp://\*:,tcp://127.0.0.1:,; s,udp://\*:,udp://127.0.0.1:,'
}

# addr_ready URL: true when something serves URL: a stream accepts a
# connection; a UDP port cannot be bound; a unixgram path exists.
addr_ready() {
	"$PYTHON" "$T/client.py" ready "$1" 2>/dev/null
}

# start_daemon CONF [ARGS...]: run sockservd -f -c CONF -p $PIDFILE ARGS in
# the background (stderr and stdout to $DAEMON_LOG), then wait up to
# $START_TIMEOUT (10) seconds until every listen URL of CONF answers.
# Fails if the daemon exits first.  Sets DAEMON_PID.
start_daemon() {
	local conf=$1 rc=0; shift
	"$SOCKSERVD" -f -c "$conf" -p "$PIDFILE" "$@" >>"$DAEMON_LOG" 2>&1 &
	DAEMON_PID=$!
	# shellcheck disable=SC2046
	client waitready "$DAEMON_PID" "${START_TIMEOUT:-10}" \
	    $(conf_listen_urls "$conf") || rc=$?
	case $rc in
	0) ;;
	2)	DAEMON_STATUS=0
		wait "$DAEMON_PID" || DAEMON_STATUS=$?
		DAEMON_PID=
		fail "daemon exited (status $DAEMON_STATUS) at start" ;;
	*)	fail "daemon not serving after ${START_TIMEOUT:-10}s" ;;
	esac
}

# wait_ready CONF [SECS]: wait until every listen URL of CONF answers.
wait_ready() {
	# shellcheck disable=SC2046
	client waitready "${DAEMON_PID:-$$}" "${2:-10}" $(conf_listen_urls "$1")
}

# stop_daemon [SIG [SECS]]: send SIG (TERM) to the daemon and wait up to
# SECS (15) for it to exit; fails if it does not.  Its exit status is left
# in DAEMON_STATUS (128+N if killed by signal N).
stop_daemon() {
	local sig=${1:-TERM} secs=${2:-15}
	[ -n "$DAEMON_PID" ] || fail "stop_daemon: no daemon"
	kill -"$sig" "$DAEMON_PID" 2>/dev/null || true
	wait_daemon_exit "$secs" || fail "daemon did not exit ${secs}s after SIG$sig"
}

# wait_daemon_exit SECS: wait for the daemon to exit; sets DAEMON_STATUS.
wait_daemon_exit() {
	wait_until "$1" eval '! alive "$DAEMON_PID"' || return 1
	DAEMON_STATUS=0
	wait "$DAEMON_PID" || DAEMON_STATUS=$?
	DAEMON_PID=
}

# daemon_alive: true while the daemon runs.
daemon_alive() { [ -n "$DAEMON_PID" ] && alive "$DAEMON_PID"; }

# listen_inode PORT: the inode of the TCP socket listening on
# 127.0.0.1:PORT (from /proc/net/tcp), empty if none.  Costs no connection.
listen_inode() {
	awk -v a="$(printf '0100007F:%04X' "$1")" \
	    '$2 == a && $4 == "0A" { print $10 }' /proc/net/tcp
}

# log_has REGEX: the daemon log matches the extended REGEX.
log_has() { grep -Eq -- "$1" "$DAEMON_LOG"; }

# client ARGS...: the python client; see the usage text in client.py.
client() { "$PYTHON" "$T/client.py" "$@"; }

# Round trips: send TEXT (one line) and print the reply without newline.
echo_tcp() { client rt "tcp://$1:$2" "$3"; }
echo_udp() { client rt "udp://$1:$2" "$3"; }
echo_unix() { client rt "unix://$1" "$2"; }
echo_unixgram() { client rt "unixgram://$1" "$2"; }

cat >"$T/client.py" <<'PYEOF'
"""e2e client for sockservd tests (stdlib only).

usage:
  client.py ready URL           exit 0 if URL is served (see addr_ready)
  client.py rt URL TEXT...      one connection (or one datagram per TEXT):
                                send each TEXT + newline, print each reply
                                line without its newline
  client.py script URL STEP...  one stream connection, steps in order:
                                send:TEXT  (TEXT + newline)
                                recv       (print one reply line)
                                recvexp:TEXT (fail unless the line is TEXT)
                                wait:FILE  (until FILE exists, 30 s max)
                                touch:FILE (create FILE)
                                sleep:SECS
                                eof        (expect the server to close)
  client.py loop URL COUNT SECS conns in a row, each: send a unique line,
                                expect it back; stops after COUNT or SECS
                                or once $E2E_STOP_FILE exists; prints
                                "ok=N fail=M", exit 1 if any failed
  client.py refused URL         exit 0 if a stream connect is refused
  client.py waitready PID SECS URL...
                                poll until every URL is served (exit 0),
                                PID is gone or a zombie (2), or SECS pass (1)
  client.py par N URL...        N concurrent clients per URL (threads), each
                                sending 3 unique lines and checking them;
                                prints failures and a summary line
Timeouts: every socket operation gives up after $E2E_IO_TIMEOUT (5) s.
"""
import os, socket, sys, time

TMO = float(os.environ.get('E2E_IO_TIMEOUT', '5'))


def parse(url):
    scheme, rest = url.split('://', 1)
    if scheme in ('unix', 'unixgram'):
        st = socket.SOCK_STREAM if scheme == 'unix' else socket.SOCK_DGRAM
        return socket.AF_UNIX, st, rest
    host, port = rest.rsplit(':', 1)
    host = host.strip('[]')
    if host == '*':
        host = '127.0.0.1'
    fam = socket.AF_INET6 if ':' in host else socket.AF_INET
    st = socket.SOCK_STREAM if scheme == 'tcp' else socket.SOCK_DGRAM
    return fam, st, (host, int(port))


_n = [0]
_paths = {}     # socket -> the path a unixgram client bound


def sock_for(url):
    fam, st, addr = parse(url)
    s = socket.socket(fam, st)
    s.settimeout(TMO)
    if fam == socket.AF_UNIX and st == socket.SOCK_DGRAM:
        # a reply needs a named client socket
        _n[0] += 1
        d = os.environ.get('E2E_TMP', '/tmp')
        path = '%s/e2e-cl.%d.%d.%d' % (d, os.getpid(), _n[0],
                                       int(time.time() * 1e6) % 1000000)
        s.bind(path)
        _paths[s] = path
    s.connect(addr)
    return s


def close(s):
    p = _paths.pop(s, None)
    s.close()
    if p:
        try:
            os.unlink(p)
        except OSError:
            pass


def readline(s):
    buf = b''
    while not buf.endswith(b'\n'):
        c = s.recv(1)
        if not c:
            break
        buf += c
    return buf


_stage = ['']   # what rt() was doing, for the error reports of loop


def rt(url, texts):
    fam, st, _ = parse(url)
    _stage[0] = 'connect'
    s = sock_for(url)
    out = []
    try:
        for t in texts:
            _stage[0] = 'send'
            s.sendall(t.encode() + b'\n')
            _stage[0] = 'recv'
            if st == socket.SOCK_DGRAM:
                r = s.recv(65536)
            else:
                r = readline(s)
            out.append(r.decode(errors='replace').rstrip('\n'))
    finally:
        close(s)
    return out


def ready(url):
    fam, st, addr = parse(url)
    if st == socket.SOCK_STREAM:
        try:
            s = socket.socket(fam, st)
            s.settimeout(1)
            s.connect(addr)
            s.close()
            return True
        except OSError:
            return False
    if fam == socket.AF_UNIX:
        return os.path.exists(addr)
    s = socket.socket(fam, st)
    try:
        s.bind(addr)
        return False
    except OSError:
        return True
    finally:
        s.close()


def waitready(pid, secs, urls):
    """Poll until every URL is served (0), pid is gone (2) or timeout (1)."""
    end = time.time() + secs
    todo = list(urls)
    while True:
        todo = [u for u in todo if not ready(u)]
        if not todo:
            return 0
        try:
            with open('/proc/%d/stat' % pid) as f:
                if f.read().rsplit(')', 1)[1].split()[0] == 'Z':
                    return 2
        except OSError:
            return 2
        if time.time() > end:
            print('not served: ' + ' '.join(todo), file=sys.stderr)
            return 1
        time.sleep(0.05)


def par(n, urls):
    """n concurrent clients per URL, each 3 unique lines; 0 if all ok."""
    import threading
    bad = []

    def one(url, i):
        texts = ['%s-%d-%s' % (k, i, url) for k in ('a', 'b b', 'c')]
        try:
            r = rt(url, texts)
            if r != texts:
                bad.append('%s #%d: got %r' % (url, i, r))
        except OSError as e:
            bad.append('%s #%d: %r' % (url, i, e))
    ts = [threading.Thread(target=one, args=(u, i))
          for u in urls for i in range(n)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    for b in bad:
        print(b)
    print('%d clients, %d failed' % (len(ts), len(bad)))
    return 0 if not bad else 1


def script(url, steps):
    s = sock_for(url)
    for step in steps:
        op, _, arg = step.partition(':')
        if op == 'send':
            s.sendall(arg.encode() + b'\n')
        elif op in ('recv', 'recvexp'):
            r = readline(s).decode(errors='replace').rstrip('\n')
            print(r, flush=True)
            if op == 'recvexp' and r != arg:
                sys.exit('expected %r, got %r' % (arg, r))
        elif op == 'wait':
            end = time.time() + 30
            while not os.path.exists(arg):
                if time.time() > end:
                    sys.exit('timeout waiting for ' + arg)
                time.sleep(0.02)
        elif op == 'touch':
            open(arg, 'a').close()
        elif op == 'sleep':
            time.sleep(float(arg))
        elif op == 'eof':
            if s.recv(1) != b'':
                sys.exit('expected EOF')
        else:
            sys.exit('bad step ' + step)
    close(s)


def loop(url, count, secs):
    ok = bad = 0
    end = time.time() + secs
    errs = {}
    stop = os.environ.get('E2E_STOP_FILE')
    for i in range(count):
        if time.time() > end or (stop and os.path.exists(stop)):
            break
        t = 'ping-%d-%d' % (os.getpid(), i)
        try:
            r = rt(url, [t])
            if r == [t]:
                ok += 1
            else:
                bad += 1
                errs['bad reply %r' % r[:1]] = 1
        except OSError as e:
            bad += 1
            k = '%s at %s' % (repr(e), _stage[0])
            errs[k] = errs.get(k, 0) + 1
    print('ok=%d fail=%d' % (ok, bad))
    for k, v in errs.items():
        print('  %s x%d' % (k, v), file=sys.stderr)
    return bad == 0


def refused(url):
    fam, st, addr = parse(url)
    s = socket.socket(fam, st)
    s.settimeout(TMO)
    try:
        s.connect(addr)
    except (ConnectionRefusedError, FileNotFoundError):
        return True
    finally:
        s.close()
    return False


def main(a):
    cmd = a[0]
    if cmd == 'ready':
        return 0 if ready(a[1]) else 1
    if cmd == 'rt':
        for r in rt(a[1], a[2:]):
            print(r)
        return 0
    if cmd == 'waitready':
        return waitready(int(a[1]), float(a[2]), a[3:])
    if cmd == 'par':
        return par(int(a[1]), a[2:])
    if cmd == 'script':
        script(a[1], a[2:])
        return 0
    if cmd == 'loop':
        return 0 if loop(a[1], int(a[2]), float(a[3])) else 1
    if cmd == 'refused':
        return 0 if refused(a[1]) else 1
    sys.exit(__doc__)


if __name__ == '__main__':
    try:
        sys.exit(main(sys.argv[1:]))
    except OSError as e:
        sys.exit('client: %s' % e)
PYEOF
