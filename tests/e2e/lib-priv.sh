# tests/e2e/lib-priv.sh -- helpers for the privilege, access-control and
# limits scenarios (t-priv-*, t-acl-*, t-limits-*), on top of lib.sh.
#
# Source it after lib.sh.  It adds: reading /proc/PID/status fields and
# decoding capability masks, running a command as another user, and a
# python3 client ($T/pc.py, stdlib only) that picks its source address,
# holds many connections open and times idle and busy connections.

. "$top_srcdir/tests/e2e/lib.sh"

# Capability numbers (linux/capability.h) for the masks we compare.
CAP_KILL=5
CAP_SETGID=6
CAP_SETUID=7
CAP_NET_BIND_SERVICE=10

# capmask NUM...: the /proc/PID/status hex mask with those bits set.
capmask() {
	local m=0 c
	for c in "$@"; do m=$(( m | (1 << c) )); done
	printf '%016x\n' "$m"
}

# status_field PID FIELD: the value of FIELD in /proc/PID/status (for
# Uid/Gid the whole tab-separated line: real effective saved fs).
status_field() {
	awk -v f="$2:" '$1 == f { $1 = ""; sub(/^ +/, ""); print; exit }' \
	    "/proc/$1/status"
}

# capnames MASK: the names of the bits of MASK (capsh --decode), for the
# messages; the raw mask if capsh is missing.
capnames() {
	if command -v capsh >/dev/null 2>&1; then
		capsh --decode="$1" | sed 's/^.*=//'
	else
		echo "$1"
	fi
}

# expect_caps PID WHAT EFF PRM INH AMB: each Cap* of PID must equal the
# mask given; fails naming what differs.
expect_caps() {
	local pid=$1 what=$2 f want got
	shift 2
	for f in CapEff CapPrm CapInh CapAmb; do
		want=$1; shift
		got=$(status_field "$pid" "$f")
		[ "$got" = "$want" ] ||
		    fail "$what (pid $pid): $f is $got ($(capnames "$got")), expected $want ($(capnames "$want"))"
	done
}

# expect_ident PID WHAT UID GID: real, effective, saved and fs ids.
expect_ident() {
	local u g
	u=$(status_field "$1" Uid | tr -s ' \t' ' ')
	g=$(status_field "$1" Gid | tr -s ' \t' ' ')
	[ "$u" = "$3 $3 $3 $3" ] || fail "$2 (pid $1): Uid is '$u', expected $3"
	[ "$g" = "$4 $4 $4 $4" ] || fail "$2 (pid $1): Gid is '$g', expected $4"
}

# need_root: skip unless running as root.
need_root() { [ "$(id -u)" = 0 ] || skip "needs root"; }

# user_reaches UID GID PATH: true if user UID (group GID, no other
# groups) can reach PATH -- search it if a directory, else read it.
# Otherwise print why not: the first directory on the way it may not
# search, or PATH itself.  (The test, as root, sees only its own access.)
user_reaches() {
	local uid=$1 gid=$2 path=$3 d= c IFS=/
	set -- setpriv --reuid="$uid" --regid="$gid" --clear-groups --
	for c in ${path#/}; do
		[ -n "$c" ] || continue
		d=$d/$c
		[ -d "$d" ] || break
		"$@" test -x "$d" ||
		    { echo "$d is not searchable by uid $uid"; return 1; }
	done
	[ -d "$path" ] || "$@" test -r "$path" ||
	    { echo "$path is not readable by uid $uid"; return 1; }
}

# need_reachable UID GID PATH...: skip, saying why, unless user UID can
# reach every PATH that exists (see user_reaches).  For a build tree in a
# private directory (a clone under `mktemp -d', mode 0700), where a
# daemon running as that user could not load its modules.
need_reachable() {
	local uid=$1 gid=$2 p why
	shift 2
	command -v setpriv >/dev/null 2>&1 || skip "no setpriv to check access as uid $uid"
	for p; do
		[ -e "$p" ] || continue
		why=$(user_reaches "$uid" "$gid" "$p") ||
		    skip "the daemon runs as uid $uid here, but $why"
	done
}

# user_ids NAME: "UID GID" of NAME, or skip the test if NAME is missing.
user_ids() {
	local u g
	u=$(id -u "$1" 2>/dev/null) || skip "no user $1"
	g=$(id -g "$1" 2>/dev/null) || skip "no user $1"
	echo "$u $g"
}

# free_priv_port: a TCP port below 1024 free on 127.0.0.1.
free_priv_port() {
	python3 - <<'EOF' || fail "no free port below 1024"
import random, socket, sys
for _ in range(300):
    p = random.randint(600, 1023)
    try:
        s = socket.socket()
        s.bind(('127.0.0.1', p))
        s.close()
    except OSError:
        continue
    print(p)
    sys.exit(0)
sys.exit(1)
EOF
}

# have_ipv6: ::1 can be bound.
have_ipv6() {
	python3 -c 'import socket; s = socket.socket(socket.AF_INET6); s.bind(("::1", 0))' \
	    2>/dev/null
}

# run_refused CONF [ARGS...]: start sockservd -f -c CONF -p $PIDFILE
# expecting a refusal: wait up to 10 s for it to exit.  RUN_STATUS is its
# exit status, or "serving" if it did not exit (it is stopped then); its
# output is in $T/refused.out and the daemon log.
run_refused() {
	local conf=$1 pid
	shift
	bg "$SOCKSERVD" -f -c "$conf" -p "$PIDFILE" "$@" >"$T/refused.out" 2>&1
	pid=$!
	RUN_STATUS=0
	if ! wait_until 10 eval '! alive $pid'; then
		RUN_STATUS=serving
		kill -TERM "$pid"
		wait_until 10 eval '! alive $pid' || kill -KILL "$pid"
	fi
	if [ "$RUN_STATUS" = serving ]; then
		wait "$pid" || true
	else
		wait "$pid" || RUN_STATUS=$?
	fi
	cat "$T/refused.out" >>"$DAEMON_LOG"
}

# expect_refused WHAT REGEX: the last run_refused exited 77 saying REGEX.
expect_refused() {
	[ "$RUN_STATUS" = 77 ] ||
	    fail "$1: sockservd exited '$RUN_STATUS', expected 77 (refused): $(cat "$T/refused.out")"
	grep -Eq -- "$2" "$T/refused.out" ||
	    fail "$1: no message matching '$2' in: $(cat "$T/refused.out")"
}

# file_sig FILE: owner, group, mode and checksum of FILE (not followed).
file_sig() {
	echo "$(stat -c '%u:%g:%a' -- "$1") $(md5sum <"$1" | cut -c1-32)"
}

# pc ARGS...: the python client below.
pc() { python3 "$T/pc.py" "$@"; }

cat >"$T/pc.py" <<'PYEOF'
"""Client for the privilege/ACL/limits scenarios (stdlib only).

usage:
  pc.py from SRC HOST PORT TEXT  connect from address SRC, send TEXT and a
                          newline; print REPLY:<line>, or CLOSED if the
                          server closed (EOF or reset) before replying
  pc.py check HOST PORT SRC=WANT...
                          for each SRC in turn: `from SRC HOST PORT' must
                          give WANT, `served' (the line echoed) or
                          `closed'; prints each mismatch, exit 1 if any
  pc.py hold SRC HOST PORT N READY STOP [verify]
                          open N connections from SRC (verify: each must
                          echo a line first); write N to READY; keep them
                          until the file STOP exists (60 s max); print
                          closed=K (how many the server closed meanwhile)
  pc.py idle HOST PORT SECS
                          connect, stay silent; print the seconds until
                          the server closed it; exit 1 if still open
                          after SECS
  pc.py busy HOST PORT SECS INTERVAL
                          connect, send one byte every INTERVAL seconds
                          for SECS, reading the echo; exit 1 if closed
All socket operations time out after 10 s.
"""
import os, select, socket, sys, time


def conn(src, host, port, timeout=10):
    fam = socket.AF_INET6 if ':' in host else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.settimeout(timeout)
    if src:
        s.bind((src, 0))
    s.connect((host, int(port)))
    return s


def readline(s):
    buf = b''
    while not buf.endswith(b'\n'):
        c = s.recv(1)
        if not c:
            return None
        buf += c
    return buf.decode(errors='replace').rstrip('\n')


def cmd_from(src, host, port, text):
    r = talk(src, host, port, text)
    print('CLOSED' if r is None else 'REPLY:' + r)
    return 0


def talk(src, host, port, text):
    """The echo of text from a client at src, or None if closed."""
    s = conn(src, host, port)
    try:
        s.sendall(text.encode() + b'\n')
        r = readline(s)
    except (ConnectionResetError, BrokenPipeError):
        r = None
    s.close()
    return r


def cmd_check(host, port, *pairs):
    bad = 0
    for i, pair in enumerate(pairs):
        src, want = pair.rsplit('=', 1)
        text = 'check%d-%s' % (i, src)
        r = talk(src, host, port, text)
        got = 'closed' if r is None else 'served' if r == text else r
        if got != want:
            print('from %s to %s:%s: %s, expected %s' % (src, host, port,
                                                          got, want))
            bad += 1
    return 1 if bad else 0


def peer_closed(s):
    """True if s is readable and at EOF (or reset)."""
    r, _, _ = select.select([s], [], [], 0)
    if not r:
        return False
    try:
        return s.recv(1, socket.MSG_PEEK) == b''
    except OSError:
        return True


def cmd_hold(src, host, port, n, ready, stop, verify=False):
    socks = []
    for i in range(int(n)):
        s = conn(src, host, port)
        if verify:
            s.sendall(b'hold%d\n' % i)
            if readline(s) != 'hold%d' % i:
                sys.exit('connection %d not served' % i)
        socks.append(s)
    with open(ready + '.tmp', 'w') as f:
        f.write('%d\n' % len(socks))
    os.rename(ready + '.tmp', ready)
    end = time.time() + 60
    while not os.path.exists(stop) and time.time() < end:
        time.sleep(0.05)
    closed = sum(1 for s in socks if peer_closed(s))
    print('closed=%d' % closed)
    for s in socks:
        s.close()
    return 0


def cmd_idle(host, port, secs):
    s = conn(None, host, port)
    t0 = time.monotonic()
    r, _, _ = select.select([s], [], [], float(secs))
    dt = time.monotonic() - t0
    if r and peer_closed(s):
        print('%.2f' % dt)
        return 0
    print('open after %.2f' % dt)
    return 1


def cmd_busy(host, port, secs, interval):
    s = conn(None, host, port)
    end = time.monotonic() + float(secs)
    n = 0
    while time.monotonic() < end:
        try:
            s.sendall(b'x')
            if s.recv(1) != b'x':
                print('closed after %d bytes' % n)
                return 1
        except OSError as e:
            print('closed after %d bytes: %s' % (n, e))
            return 1
        n += 1
        time.sleep(float(interval))
    print('open, %d bytes echoed' % n)
    return 0


def main(a):
    if a[0] == 'from':
        return cmd_from(*a[1:5])
    if a[0] == 'check':
        return cmd_check(*a[1:])
    if a[0] == 'hold':
        return cmd_hold(*a[1:7], verify=(len(a) > 7 and a[7] == 'verify'))
    if a[0] == 'idle':
        return cmd_idle(*a[1:4])
    if a[0] == 'busy':
        return cmd_busy(*a[1:5])
    sys.exit(__doc__)


if __name__ == '__main__':
    try:
        sys.exit(main(sys.argv[1:]))
    except OSError as e:
        sys.exit('pc: %s' % e)
PYEOF
