#!/bin/sh
# xfer: names that could leave root (../x, a/b), hidden names, an empty
# name and a 10 KiB name are refused with their error code, the
# connection stays usable, and nothing is created in root or outside it;
# symlinks planted in root are never followed out of it.
. "$top_srcdir/tests/e2e/lib.sh"
. "$top_srcdir/tests/e2e/lib-mod.sh"

start_xfer
before=$(tree_outside)

xraw "$XTCP" "put ../x 1" "put a/b 1" "put .hidden 1" "put  1" \
    "get ../x 0" "get .part.x 0" long:10240 "bogus" "put x -1" \
    "put x 99999999999999999999" "get x" "list" >"$W/out"
cat >"$W/want" <<'EOW'
err 402 bad name
err 402 bad name
err 402 bad name
err 400 bad request
err 402 bad name
err 402 bad name
err 403 line too long
err 400 bad request
err 401 bad number
err 401 bad number
err 400 bad request
ok 0
EOW
cmp -s "$W/out" "$W/want" || {
	diff "$W/want" "$W/out" >&2; fail "replies differ"; }
# NUL and control bytes in a line
xraw "$XTCP" raw:7075742061006220310a list >"$W/out2"   # "put a\0b 1\n"
[ "$(head -n 1 "$W/out2")" = "err 402 bad name" ] ||
    fail "NUL in a name: $(head -n 1 "$W/out2")"
[ "$(sed -n 2p "$W/out2")" = "ok 0" ] || fail "connection unusable after NUL"

# the client refuses such names too, with a reason
for n in ../x a/b .hidden ""; do
	echo data >"$W/src"
	"$XFER" "$XTCP" put "$W/src" "$n" 2>"$W/err" && fail "client put '$n'"
	grep -q 'refused name' "$W/err" || fail "client error: $(cat "$W/err")"
done
"$XFER" "$XTCP" get ../x "$W/dl" 2>/dev/null && fail "client get ../x"
[ ! -e "$W/dl" ] || fail "a refused get created a local file"

[ -z "$(ls -A "$T/root")" ] || fail "root not empty: $(ls -A "$T/root")"
[ "$(tree_outside)" = "$before" ] || fail "files appeared outside root"

# Symlinks planted in root point outside it.
echo secret >"$T/secret"
echo secret2 >"$T/secret2"
ln -s "$T/secret" "$T/root/link"
ln -s "$T/secret2" "$T/root/.part.evil"
[ "$(xraw "$XTCP" "get link 0")" = "err 404 no such file" ] ||
    fail "get through a symlink"
[ "$("$XFER" "$XTCP" list)" = "" ] || fail "list shows a symlink"
echo new >"$T/up"
# a put onto the link's name replaces the link, never writes through it
"$XFER" "$XTCP" put "$T/up" link >/dev/null || fail "put link"
[ "$(cat "$T/secret")" = secret ] || fail "wrote through a symlink"
[ ! -L "$T/root/link" ] && [ "$(cat "$T/root/link")" = new ] ||
    fail "link not replaced by the upload"
# a symlinked partial is refused, its target untouched
"$XFER" "$XTCP" put "$T/up" evil >/dev/null 2>"$W/err" &&
    fail "put through a symlinked partial"
[ "$(cat "$T/secret2")" = secret2 ] || fail "wrote through .part.evil"
exit 0
