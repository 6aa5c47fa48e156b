# tests/e2e/lib-mod.sh -- helpers for the exec and xfer scenarios
# (t-exec-*.sh, t-xfer-*.sh), sourced after lib.sh.
#
#   XFER=$top_builddir/sockserv-xfer     the client under test
#   start_xfer [OPTS]        a daemon with one xfer service on tcp and unix,
#                            root $T/root, OPTS added to the xfer { } block,
#                            mode $XMODE (fork if unset); sets XPORT, XTCP
#                            (127.0.0.1:PORT), XUNIX (path)
#   xraw TARGET REQ...       one connection; sends each REQ (see xraw.py
#                            below), prints each reply line
#   sha FILE                 the SHA-256 of FILE
#   tree_outside             every path under $T except $T/root and the
#                            test's scratch dir $W, sorted

XFER=$top_builddir/sockserv-xfer
[ -x "$XFER" ] || fail "no $XFER (build it first)"

sha() { sha256sum "$1" | cut -d' ' -f1; }

W=$T/w
mkdir -p "$W"
tree_outside() {
	(cd "$T" && find . \( -path ./root -o -path ./w \) -prune -o -print |
	    sort)
}

start_xfer() {
	XPORT=$(free_port)
	XTCP=127.0.0.1:$XPORT
	XUNIX=$T/xfer.sock
	mkdir -p "$T/root"
	write_conf "$T/xfer.conf" <<EOC
log = "stderr"
service files {
    listen  = { "tcp://127.0.0.1:$XPORT", "unix://$XUNIX" }
    module  = "xfer"
    mode    = "${XMODE:-fork}"
    timeout = 20
    xfer { root = "$T/root" $* }
}
EOC
	start_daemon "$T/xfer.conf"
}

xraw() { python3 "$T/xraw.py" "$@"; }

cat >"$T/xraw.py" <<'PYEOF'
"""xraw.py TARGET REQ... -- a raw xfer session for tests.

TARGET is HOST:PORT or /path.  Each REQ is sent as one line and the reply
line printed.  Special forms:
  put:NAME:SIZE:N   send `put NAME SIZE', print the reply, send N bytes
                    of $XRAW_DATA (a file) from the offset the server
                    gave, and close the connection at once (a client
                    killed half-way)
  hold:NAME:SIZE:GATE  send `put NAME SIZE', print the reply, send the
                    first half of the SIZE bytes of $XRAW_DATA, print
                    `sent', wait until the file GATE exists (30 s max),
                    send the rest, print the reply line
  raw:HEX           send these bytes as they are (no newline added)
  long:N            send `put ' + N times `a' + ` 1' as one line
Every socket operation gives up after 10 s.
"""
import os, socket, sys, time


def connect(t):
    if t.startswith('/'):
        s = socket.socket(socket.AF_UNIX)
        s.settimeout(10)
        s.connect(t)
    else:
        h, p = t.rsplit(':', 1)
        s = socket.create_connection((h.strip('[]'), int(p)), timeout=10)
    return s


def line(f):
    r = f.readline()
    return r.decode(errors='replace').rstrip('\n')


def main(a):
    s = connect(a[0])
    f = s.makefile('rb')
    for req in a[1:]:
        if req.startswith('put:') or req.startswith('putall:'):
            op, name, size, n = req.split(':')
            s.sendall(('put %s %s\n' % (name, size)).encode())
            r = line(f)
            print(r, flush=True)
            if not r.startswith('ok '):
                continue
            off = int(r.split()[1])
            with open(os.environ['XRAW_DATA'], 'rb') as d:
                d.seek(off)
                s.sendall(d.read(int(n)))
            if op == 'put':
                s.close()
                return 0
            r = line(f)
            print(r, flush=True)
            if r.startswith('err ') and f.read(1) == b'':
                print('EOF', flush=True)
            break
        if req.startswith('hold:'):
            _, name, size, gate = req.split(':', 3)
            s.sendall(('put %s %s\n' % (name, size)).encode())
            r = line(f)
            print(r, flush=True)
            if r != 'ok 0':
                break
            with open(os.environ['XRAW_DATA'], 'rb') as d:
                data = d.read(int(size))
            s.sendall(data[:len(data) // 2])
            print('sent', flush=True)
            end = time.time() + 30
            while not os.path.exists(gate) and time.time() < end:
                time.sleep(0.02)
            s.sendall(data[len(data) // 2:])
            print(line(f), flush=True)
            break
        if req.startswith('raw:'):
            s.sendall(bytes.fromhex(req[4:]))
        elif req.startswith('long:'):
            s.sendall(b'put ' + b'a' * int(req[5:]) + b' 1\n')
        else:
            s.sendall(req.encode() + b'\n')
        r = line(f)
        print(r, flush=True)
        if r.startswith('ok ') and req == 'list':
            for _ in range(int(r.split()[1])):
                print(line(f), flush=True)
    s.close()
    return 0


sys.exit(main(sys.argv[1:]))
PYEOF

# have_ipv6: ::1 can be bound here.
have_ipv6() {
	python3 -c 'import socket; s = socket.socket(socket.AF_INET6); s.bind(("::1", 0))' 2>/dev/null
}

# ucspi_get URL [TEXT]: connect (tcp://HOST:PORT or unix://PATH), send
# TEXT and a newline, read to EOF; prints `CLIENT=IP PORT' (the client's
# own numeric address, `unix' for a Unix socket) and then what came back.
ucspi_get() {
	python3 - "$@" <<'PYEOF'
import socket, sys
url = sys.argv[1]
text = sys.argv[2] if len(sys.argv) > 2 else 'hello'
scheme, rest = url.split('://', 1)
if scheme == 'unix':
    s = socket.socket(socket.AF_UNIX)
    s.settimeout(10)
    s.connect(rest)
    print('CLIENT=unix')
else:
    h, p = rest.rsplit(':', 1)
    h = h.strip('[]')
    fam = socket.AF_INET6 if ':' in h else socket.AF_INET
    s = socket.socket(fam)
    s.settimeout(10)
    s.connect((h, int(p)))
    me = s.getsockname()
    print('CLIENT=%s %d' % (me[0], me[1]))
s.sendall(text.encode() + b'\n')
buf = b''
while True:
    b = s.recv(65536)
    if not b:
        break
    buf += b
sys.stdout.write(buf.decode(errors='replace'))
PYEOF
}
