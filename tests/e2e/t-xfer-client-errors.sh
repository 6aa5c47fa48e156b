#!/bin/sh
# sockserv-xfer fails with a one-line reason and its documented status:
# missing local file (4), nothing listening (2), connection lost in the
# middle of a download (2), a server that reports the wrong size or
# checksum after an upload (3), a download whose checksum is wrong (3).
# The misbehaving servers are small python fakes.
. "$top_srcdir/tests/e2e/lib.sh"
. "$top_srcdir/tests/e2e/lib-mod.sh"

expect() {	# STATUS REGEX CMD... -- exit status and one stderr line
	want=$1 re=$2; shift 2
	st=0
	"$@" >"$W/out" 2>"$W/err" || st=$?
	[ "$st" = "$want" ] || fail "$*: exit $st, want $want: $(cat "$W/err")"
	[ "$(wc -l <"$W/err")" = 1 ] || fail "$*: stderr not one line: $(cat "$W/err")"
	grep -Eq "$re" "$W/err" || fail "$*: message: $(cat "$W/err")"
}

port=$(free_port)
expect 4 'nosuch.*No such file' "$XFER" "127.0.0.1:$port" put "$T/nosuch"
expect 2 'cannot connect.*refused' "$XFER" "127.0.0.1:$port" list
st=0; "$XFER" "127.0.0.1:$port" frobnicate 2>"$W/err" || st=$?
[ "$st" = 64 ] && grep -q '^usage' "$W/err" || fail "usage error: exit $st"

# fake MODE: serve one connection on $port with a broken reply
cat >"$W/fake.py" <<'PYEOF'
import socket, sys
port, mode = int(sys.argv[1]), sys.argv[2]
ls = socket.socket()
ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
ls.bind(('127.0.0.1', port))
ls.listen(1)
ls.settimeout(20)
while True:                    # the readiness probe sends nothing
    c, _ = ls.accept()
    c.settimeout(10)
    f = c.makefile('rb')
    req = f.readline().split()
    if req:
        break
    c.close()
if mode == 'lost':            # get: promise 1000 bytes, send 10, close
    c.sendall(b'ok 1000\n' + b'x' * 10)
elif mode in ('size', 'crc'):   # put: take the data, then lie
    size = int(req[2])
    c.sendall(b'ok 0\n')
    f.read(size)
    c.sendall(b'ok %d 00000000\n' % (size + (mode == 'size')))
elif mode == 'getcrc':         # get: right size, wrong checksum
    c.sendall(b'ok 5\nhellook 00000000\n')
c.close()
PYEOF
FAKE=
fake() {
	# the previous fake must be gone before its port is bound again
	[ -z "$FAKE" ] || wait "$FAKE" || fail "fake server failed"
	bg python3 "$W/fake.py" "$port" "$1"
	FAKE=$!
	wait_until 10 addr_ready "tcp://127.0.0.1:$port" || fail "fake $1 not up"
}
echo data >"$W/src"
fake lost
expect 2 'connection lost' "$XFER" "127.0.0.1:$port" get f "$W/dl"
fake size
expect 3 'size mismatch' "$XFER" "127.0.0.1:$port" put "$W/src" f
fake crc
expect 3 'checksum mismatch' "$XFER" "127.0.0.1:$port" put "$W/src" f
rm -f "$W/dl"
fake getcrc
expect 3 'checksum mismatch' "$XFER" "127.0.0.1:$port" get f "$W/dl"
exit 0
