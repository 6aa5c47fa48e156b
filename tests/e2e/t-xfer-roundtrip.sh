#!/bin/sh
# xfer: put, list and get of a multi-megabyte random file, over TCP and a
# Unix socket; the copies are identical (SHA-256) and the client's
# summary lines carry the sizes and the CRC the server confirmed.
. "$top_srcdir/tests/e2e/lib.sh"
. "$top_srcdir/tests/e2e/lib-mod.sh"

start_xfer
head -c 5000000 /dev/urandom >"$T/big.bin"
want=$(sha "$T/big.bin")

"$XFER" "$XTCP" put "$T/big.bin" >"$T/put.out" 2>"$T/put.err" ||
    fail "put failed: $(cat "$T/put.err")"
grep -q '^put big.bin size=5000000 offset=0 sent=5000000 crc=[0-9a-f]\{8\}$' \
    "$T/put.out" || fail "put summary: $(cat "$T/put.out")"
[ "$(sha "$T/root/big.bin")" = "$want" ] || fail "stored copy differs"

"$XFER" "$XTCP" list >"$T/list.out" || fail "list failed"
[ "$(cat "$T/list.out")" = "big.bin 5000000" ] ||
    fail "list: $(cat "$T/list.out")"

"$XFER" "$XUNIX" get big.bin "$T/copy.bin" >"$T/get.out" ||
    fail "get over the unix socket failed"
[ "$(sha "$T/copy.bin")" = "$want" ] || fail "downloaded copy differs"
# both ends computed the same CRC
[ "$(sed 's/.*crc=//' "$T/put.out")" = "$(sed 's/.*crc=//' "$T/get.out")" ] ||
    fail "CRCs differ: $(cat "$T/put.out" "$T/get.out")"

# an empty file is a file too; a second name for the same data works
: >"$T/empty"
"$XFER" "$XTCP" put "$T/empty" >/dev/null || fail "put of an empty file"
"$XFER" "$XTCP" put "$T/big.bin" again.bin >/dev/null || fail "put as NAME"
"$XFER" "$XTCP" list | sort >"$T/list2.out"
printf 'again.bin 5000000\nbig.bin 5000000\nempty 0\n' | cmp -s - "$T/list2.out" ||
    fail "list after three puts: $(cat "$T/list2.out")"
[ -z "$(ls -A "$T/root" | grep '^\.')" ] || fail "partial files left in root"
exit 0
