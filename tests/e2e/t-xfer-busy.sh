#!/bin/sh
# xfer: while one upload of a name runs, a second upload of the same name
# is refused (409, the partial is locked) instead of mixing bytes; the
# first completes intact.  In fork mode (uploads in two processes) and
# thread mode (two threads of one process).
. "$top_srcdir/tests/e2e/lib.sh"
. "$top_srcdir/tests/e2e/lib-mod.sh"

head -c 900000 /dev/urandom >"$T/one"
head -c 900000 /dev/urandom >"$T/two"
crc() { python3 -c 'import sys, zlib; print("%08x" % zlib.crc32(open(sys.argv[1], "rb").read()))' "$1"; }
sent() { grep -qx sent "$T/one.out"; }
for XMODE in fork thread; do
	rm -f "$T/root/same" "$T/go"
	start_xfer
	# The first upload stops half-way until $T/go exists.
	XRAW_DATA=$T/one bg python3 "$T/xraw.py" "$XTCP" "hold:same:900000:$T/go" \
	    >"$T/one.out" 2>&1
	cpid=$!
	wait_until 20 sent || fail "$XMODE: first upload did not start"
	"$XFER" "$XTCP" put "$T/two" same 2>"$T/err" &&
	    fail "$XMODE: second upload accepted"
	grep -q 'upload in progress' "$T/err" ||
	    fail "$XMODE: error: $(cat "$T/err")"
	[ "$(xraw "$XTCP" "put same 900000")" = "err 409 upload in progress" ] ||
	    fail "$XMODE: raw second upload"
	touch "$T/go"
	wait "$cpid" || fail "$XMODE: first upload failed: $(cat "$T/one.out")"
	[ "$(tail -n 1 "$T/one.out")" = "ok 900000 $(crc "$T/one")" ] ||
	    fail "$XMODE: first upload: $(cat "$T/one.out")"
	[ "$(sha "$T/root/same")" = "$(sha "$T/one")" ] ||
	    fail "$XMODE: stored file corrupt"
	stop_daemon TERM
done
exit 0
