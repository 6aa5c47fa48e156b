#!/bin/sh
# xfer: root on a 1 MiB tmpfs that a filler leaves ~400 KiB of.  An
# upload of 1 MB runs out of space: the server answers `err 500' after
# the data and closes the connection, logs the cause, keeps the partial
# (a prefix of the data, invisible to `list'), and the real client fails
# the same way.  Once the filler is removed, a resumed put starts at the
# partial's length, sends only the rest, and stores the exact file.
# Root only (mount).
. "$top_srcdir/tests/e2e/lib.sh"
. "$top_srcdir/tests/e2e/lib-mod.sh"

[ "$(id -u)" = 0 ] || skip "needs root to mount a tmpfs"
mkdir -p "$T/root"
mount -t tmpfs -o size=1m,mode=0755 sockserv-e2e "$T/root" 2>"$W/mount.err" ||
    skip "cannot mount a tmpfs on $T/root: $(cat "$W/mount.err")"
# Lazily, since the daemon may still hold root open; lib.sh's cleanup
# then stops it and removes $T.  The test's status is kept.
trap 'st=$?; umount -l "$T/root"; (exit $st); _cleanup' EXIT

head -c 600000 /dev/urandom >"$T/root/filler"
start_xfer
size=1000000
head -c $size /dev/urandom >"$W/data"
want=$(sha "$W/data")
part=$T/root/.part.data

XRAW_DATA=$W/data xraw "$XTCP" "putall:data:$size:$size" >"$W/raw.out"
printf 'ok 0\nerr 500 server I/O error\nEOF\n' | cmp -s - "$W/raw.out" || {
	note "got: $(tr '\n' '|' <"$W/raw.out")"
	fail "a put on a full disk was not answered err 500 and closed"
}
wait_until 5 log_has 'put data: No space left on device' ||
    fail "the cause (ENOSPC) was not logged"
[ -f "$part" ] || fail "the partial was not kept"
got=$(stat -c %s "$part")
[ "$got" -gt 0 ] && [ "$got" -lt $size ] || fail "the partial holds $got bytes"
cmp -s -n "$got" "$part" "$W/data" || fail "the partial is not a prefix of the data"
[ "$("$XFER" "$XTCP" list)" = "filler 600000" ] ||
    fail "list on a full disk: $("$XFER" "$XTCP" list)"

# The real client, still without space: fails with the server's reason.
st=0
"$XFER" "$XTCP" put "$W/data" >/dev/null 2>"$W/err" || st=$?
[ "$st" != 0 ] || fail "the client reported success on a full disk"
grep -q 'server I/O error' "$W/err" || fail "client error: $(cat "$W/err")"
[ -f "$part" ] || fail "the partial was lost by a second failed put"
got=$(stat -c %s "$part")

rm "$T/root/filler"
"$XFER" "$XTCP" put "$W/data" >"$W/put.out" 2>"$W/err" ||
    fail "resumed put failed: $(cat "$W/err")"
grep -q "^put data size=$size offset=$got sent=$((size - got)) " "$W/put.out" ||
    fail "not resumed at $got: $(cat "$W/put.out")"
[ "$(sha "$T/root/data")" = "$want" ] || fail "the stored file differs"
[ ! -e "$part" ] || fail "the partial was left behind"
exit 0
