#!/bin/sh
# xfer: while one upload of a name runs, a second upload of the same name
# is refused (409, the partial is locked) instead of mixing bytes; the
# first completes intact.  In fork mode (uploads in two processes) and
# thread mode (two threads of one process).
. "$top_srcdir/tests/e2e/lib.sh"
. "$top_srcdir/tests/e2e/lib-mod.sh"

head -c 900000 /dev/urandom >"$T/one"
head -c 900000 /dev/urandom >"$T/two"
started() { [ -s "$T/root/.part.same" ]; }
for XMODE in fork thread; do
	rm -f "$T/root/same"
	start_xfer
	bg "$XFER" -r 300k "$XTCP" put "$T/one" same >"$T/one.out" 2>&1
	cpid=$!
	wait_until 20 started || fail "$XMODE: first upload did not start"
	"$XFER" "$XTCP" put "$T/two" same 2>"$T/err" &&
	    fail "$XMODE: second upload accepted"
	grep -q 'upload in progress' "$T/err" ||
	    fail "$XMODE: error: $(cat "$T/err")"
	[ "$(xraw "$XTCP" "put same 900000")" = "err 409 upload in progress" ] ||
	    fail "$XMODE: raw second upload"
	alive "$cpid" || fail "$XMODE: the first upload ended too soon to tell"
	wait "$cpid" || fail "$XMODE: first upload failed: $(cat "$T/one.out")"
	[ "$(sha "$T/root/same")" = "$(sha "$T/one")" ] ||
	    fail "$XMODE: stored file corrupt"
	stop_daemon TERM
done
exit 0
