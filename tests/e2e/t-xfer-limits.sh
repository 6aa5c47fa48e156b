#!/bin/sh
# xfer: max_file_size and max_total_size refuse an upload before any
# byte is accepted (the client reports why, nothing is left in root), a
# replacement is allowed when old and new fit together, and `get' of a
# missing name fails with a message and creates no local file.
# (Concurrent and abandoned uploads: t-xfer-quota.sh.)
. "$top_srcdir/tests/e2e/lib.sh"
. "$top_srcdir/tests/e2e/lib-mod.sh"

start_xfer "max_file_size = 1000  max_total_size = 2500"
head -c 1000 /dev/urandom >"$T/k1"
head -c 1001 /dev/urandom >"$T/big"
head -c 600 /dev/urandom >"$T/small"

"$XFER" "$XTCP" put "$T/big" >/dev/null 2>"$T/err" && fail "1001 > max_file_size"
grep -q 'file too large' "$T/err" || fail "error: $(cat "$T/err")"
[ "$(xraw "$XTCP" "put x 1001")" = "err 413 file too large" ] ||
    fail "raw put over max_file_size"

"$XFER" "$XTCP" put "$T/k1" a >/dev/null || fail "put a"
"$XFER" "$XTCP" put "$T/k1" b >/dev/null || fail "put b"
# 2000 used: 600 more would pass 2500
"$XFER" "$XTCP" put "$T/small" c >/dev/null 2>"$T/err" && fail "quota passed"
grep -q 'quota exceeded' "$T/err" || fail "error: $(cat "$T/err")"
[ "$(xraw "$XTCP" "put c 501")" = "err 507 quota exceeded" ] ||
    fail "raw put over quota"
[ "$(xraw "$XTCP" "put c 500")" = "ok 0" ] || fail "put within quota refused"
# a replacement needs room for the old file and the new one together:
# until it completes (or if it never does) both are stored
"$XFER" "$XTCP" put "$T/small" a >/dev/null 2>"$T/err" &&
    fail "replacement passed the quota"
grep -q 'quota exceeded' "$T/err" || fail "error: $(cat "$T/err")"
head -c 400 /dev/urandom >"$T/k4"
"$XFER" "$XTCP" put "$T/k4" a >/dev/null || fail "replacement refused"
[ "$(stat -c %s "$T/root/a")" = 400 ] || fail "a not replaced"
ls -A "$T/root" | grep -v '^\.part\.c$\|^\.quota$' | sort | tr '\n' ' ' >"$T/ls"
[ "$(cat "$T/ls")" = "a b " ] || fail "root holds: $(cat "$T/ls")"

"$XFER" "$XTCP" get nosuch "$T/dl" 2>"$T/err" && fail "get of a missing name"
grep -q 'no such file' "$T/err" || fail "error: $(cat "$T/err")"
[ ! -e "$T/dl" ] || fail "a failed get left a local file"
[ "$(xraw "$XTCP" "get a 401")" = "err 416 offset beyond end of file" ] ||
    fail "get past the end"
exit 0
