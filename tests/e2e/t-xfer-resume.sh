#!/bin/sh
# xfer: an upload killed half-way is resumed -- only the rest crosses the
# network (the client's summary says offset= and sent=) -- and the result
# is identical; the partial never shows in `list' nor to `get'.  Then a
# download cut short is resumed from the local file's length.
. "$top_srcdir/tests/e2e/lib.sh"
. "$top_srcdir/tests/e2e/lib-mod.sh"

start_xfer
size=4194304
head -c $size /dev/urandom >"$T/data"
want=$(sha "$T/data")

# A real client, rate-limited so it is still sending when killed.
bg "$XFER" -r 1m "$XTCP" put "$T/data" >/dev/null 2>&1
cpid=$!
part=$T/root/.part.data
part_big() { [ "$(stat -c %s "$part" 2>/dev/null || echo 0)" -ge 1000000 ]; }
wait_until 20 part_big || fail "upload did not progress"
# while it runs, the partial is invisible
[ "$("$XFER" "$XTCP" list)" = "" ] || fail "list shows a partial upload"
"$XFER" "$XTCP" get data "$T/nope" 2>"$T/get.err" &&
    fail "get of an incomplete upload succeeded"
grep -q 'no such file' "$T/get.err" || fail "get error: $(cat "$T/get.err")"
kill -KILL "$cpid"
wait "$cpid" 2>/dev/null || true
# the server notices the lost client and keeps what arrived
held() { [ -z "$(fuser "$part" 2>/dev/null)" ]; }
wait_until 10 held || true
got=$(stat -c %s "$part")
[ "$got" -gt 0 ] && [ "$got" -lt $size ] || fail "partial holds $got bytes"

"$XFER" "$XTCP" put "$T/data" >"$T/put.out" || fail "resumed put failed"
# stale bytes may have arrived between stat and the resume: offset >= got
set -- $(sed -n 's/^put data size=\([0-9]*\) offset=\([0-9]*\) sent=\([0-9]*\) .*/\1 \2 \3/p' "$T/put.out")
[ "${1:-}" = $size ] || fail "summary: $(cat "$T/put.out")"
[ "$2" -ge "$got" ] && [ "$2" -gt 0 ] || fail "resumed at $2, server held $got"
[ $(( $2 + $3 )) -eq $size ] || fail "offset $2 + sent $3 != $size"
note "resumed at $2: sent $3 of $size bytes"
[ "$(sha "$T/root/data")" = "$want" ] || fail "resumed upload differs"
[ ! -e "$part" ] || fail "partial left behind"

# Download cut short: a local prefix is completed, not refetched.
head -c 1000000 "$T/data" >"$T/local"
"$XFER" "$XTCP" get data "$T/local" >"$T/get.out" || fail "resumed get failed"
grep -q '^get data size=4194304 offset=1000000 received=3194304 ' "$T/get.out" ||
    fail "get summary: $(cat "$T/get.out")"
[ "$(sha "$T/local")" = "$want" ] || fail "resumed download differs"

# A local file that is not a prefix is caught by the checksum.
head -c 1000 /dev/urandom >"$T/wrong"
"$XFER" "$XTCP" get data "$T/wrong" >/dev/null 2>"$T/wrong.err" &&
    fail "a wrong prefix went unnoticed"
grep -q 'checksum mismatch' "$T/wrong.err" ||
    fail "wrong prefix error: $(cat "$T/wrong.err")"
exit 0
