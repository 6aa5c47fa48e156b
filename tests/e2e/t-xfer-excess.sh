#!/bin/sh
# xfer: a client sending more bytes than its `put' declared.  The server
# stores exactly SIZE bytes, answers `ok SIZE CRC' and reads what follows
# as the next request: a short tail is a bad request, a long one a line
# too long, 100 kB without a newline ends the connection -- in each case
# the stored file holds exactly the declared bytes, a resumed upload too,
# and nothing else appears in root.
. "$top_srcdir/tests/e2e/lib.sh"
. "$top_srcdir/tests/e2e/lib-mod.sh"

start_xfer
cat >"$W/excess.py" <<'PYEOF'
"""excess.py PORT NAME SIZE DATA TAIL: put NAME SIZE, then send DATA (from
the offset the server gives) followed by TAIL, then `list'; print every
reply line until the list is complete or the server closes."""
import socket, sys
port, name, size, data, tail = sys.argv[1:6]
s = socket.create_connection(('127.0.0.1', int(port)), timeout=10)
f = s.makefile('rb')
s.sendall(b'put %s %s\n' % (name.encode(), size.encode()))
r = f.readline().decode().rstrip('\n')
print(r)
off = int(r.split()[1])
tail = tail.encode().decode('unicode_escape').encode('latin-1')
try:
    s.sendall(data.encode()[off:] + tail + b'list\n')
except OSError as e:   # the server may close while the tail still flows
    print('send: %s' % e.strerror)
while True:
    try:
        r = f.readline()
    except OSError:
        r = b''
    if not r:
        print('EOF')
        break
    r = r.decode().rstrip('\n')
    print(r)
    if r.startswith('ok ') and len(r.split()) == 2:
        for _ in range(int(r.split()[1])):
            print(f.readline().decode().rstrip('\n'))
        break
PYEOF
excess() { python3 "$W/excess.py" "$XPORT" "$@"; }
# the CRC-32 of STRING, as the server writes it
crc() { python3 -c 'import sys, zlib; print("%08x" % zlib.crc32(sys.argv[1].encode()))' "$1"; }

excess x 5 helloEXTRA 'BYTES\n' >"$W/out"
printf 'ok 0\nok 5 %s\nerr 400 bad request\nok 1\nx 5\n' "$(crc hello)" |
    cmp -s - "$W/out" || fail "short tail: $(tr '\n' '|' <"$W/out")"
[ "$(cat "$T/root/x")" = hello ] || fail "x holds: $(cat "$T/root/x")"

# A resumed upload: 5 bytes held, the client sends the other 5 and more.
printf 01234 >"$W/y5"
XRAW_DATA=$W/y5 xraw "$XTCP" put:y:10:5 >/dev/null
wait_until 5 eval '[ "$(stat -c %s "$T/root/.part.y" 2>/dev/null)" = 5 ]' ||
    fail "the first half of y was not kept"
excess y 10 0123456789 "$(printf '%01000d' 7)\\n" >"$W/out"
printf 'ok 5\nok 10 %s\nerr 403 line too long\nok 2\n' "$(crc 0123456789)" |
    cmp -s - <(head -n 4 "$W/out") ||
    fail "resumed, long tail: $(tr '\n' '|' <"$W/out")"
[ "$(cat "$T/root/y")" = 0123456789 ] || fail "y holds: $(cat "$T/root/y")"

# 100 kB that never end a line: the server gives up on the connection.
excess z 3 abc "$(printf '%0100000d' 0)" >"$W/out"
[ "$(sed -n 2p "$W/out")" = "ok 3 $(crc abc)" ] ||
    fail "flood: $(tr '\n' '|' <"$W/out" | head -c 300)"
grep -qx EOF "$W/out" || fail "flood: the connection stayed open"
[ "$(cat "$T/root/z")" = abc ] || fail "z holds: $(cat "$T/root/z")"

[ "$(ls -A "$T/root" | tr '\n' ' ')" = "x y z " ] ||
    fail "root holds: $(ls -A "$T/root" | tr '\n' ' ')"
[ "$("$XFER" "$XTCP" list | sort | tr '\n' ' ')" = "x 5 y 10 z 3 " ] ||
    fail "list: $("$XFER" "$XTCP" list)"
exit 0
