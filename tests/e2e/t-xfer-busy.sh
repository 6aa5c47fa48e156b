#!/bin/sh
# xfer: while one upload of a name runs, a second upload of the same name
# is refused (409, the partial is locked) instead of mixing bytes; the
# first completes intact.
. "$top_srcdir/tests/e2e/lib.sh"
. "$top_srcdir/tests/e2e/lib-mod.sh"

start_xfer
head -c 2000000 /dev/urandom >"$T/one"
head -c 2000000 /dev/urandom >"$T/two"
bg "$XFER" -r 300k "$XTCP" put "$T/one" same >"$T/one.out" 2>&1
cpid=$!
started() { [ -s "$T/root/.part.same" ]; }
wait_until 20 started || fail "first upload did not start"
"$XFER" "$XTCP" put "$T/two" same 2>"$T/err" && fail "second upload accepted"
grep -q 'upload in progress' "$T/err" || fail "error: $(cat "$T/err")"
[ "$(xraw "$XTCP" "put same 2000000")" = "err 409 upload in progress" ] ||
    fail "raw second upload"
wait "$cpid" || fail "first upload failed: $(cat "$T/one.out")"
[ "$(sha "$T/root/same")" = "$(sha "$T/one")" ] || fail "stored file corrupt"
exit 0
