#!/bin/sh
# sockserv-xfer draws its progress bar (percentage, rate, ETA) only when
# stderr is a terminal: on a pseudo-terminal (script -qc) it does, on a
# pipe there is no bar and no carriage return, just the summary line.
. "$top_srcdir/tests/e2e/lib.sh"
. "$top_srcdir/tests/e2e/lib-mod.sh"

command -v script >/dev/null || skip "no script(1)"
start_xfer
head -c 3000000 /dev/urandom >"$T/f"
"$XFER" "$XTCP" put "$T/f" f >/dev/null || fail "put"

# on a pipe
"$XFER" "$XTCP" get f "$T/g1" >"$T/pipe.out" 2>"$T/pipe.err" || fail "get"
[ ! -s "$T/pipe.err" ] || fail "stderr on a pipe: $(cat "$T/pipe.err")"
grep -q '^get f size=3000000 ' "$T/pipe.out" || fail "no summary line"
! grep -q "$(printf '\r')" "$T/pipe.out" || fail "carriage return on a pipe"

# on a terminal
script -qec "'$XFER' -r 2m '$XTCP' get f '$T/g2'" /dev/null >"$T/tty.out" ||
    fail "get on a pty failed: $(cat "$T/tty.out")"
grep -q "$(printf '\r')" "$T/tty.out" || fail "no bar redrawn on a pty"
grep -q '100%' "$T/tty.out" || fail "no percentage: $(cat "$T/tty.out")"
grep -q 'ETA [0-9]' "$T/tty.out" || fail "no ETA: $(cat "$T/tty.out")"
grep -q 'iB/s' "$T/tty.out" || fail "no rate: $(cat "$T/tty.out")"
cmp -s "$T/f" "$T/g2" || fail "download on a pty differs"
exit 0
