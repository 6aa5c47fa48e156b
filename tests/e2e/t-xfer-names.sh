#!/bin/sh
# xfer: names that could leave root (../x, a/b, /etc/passwd, . and ..),
# hidden names (.hidden, .part.x), an empty name, a 241-byte name,
# control and non-ASCII bytes, and a 10 KiB line are refused with their
# error code, the connection stays usable, and nothing is created in root
# or outside it; percent- or backslash-encoded traversal is a literal
# name stored inside root; a 240-byte name works end to end; files in
# root with names the protocol refuses stay invisible to `list' and
# `get'; symlinks planted in root are never followed out of it.
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
	diff "$W/want" "$W/out" >&2 || :; fail "replies differ"; }
# NUL and control bytes in a line
xraw "$XTCP" raw:7075742061006220310a list >"$W/out2"   # "put a\0b 1\n"
[ "$(head -n 1 "$W/out2")" = "err 402 bad name" ] ||
    fail "NUL in a name: $(head -n 1 "$W/out2")"
[ "$(sed -n 2p "$W/out2")" = "ok 0" ] || fail "connection unusable after NUL"

# Absolute, dot and dot-dot, partial-file names, control bytes, DEL and
# non-ASCII (raw "put a<B>b 1\n"): refused, one connection for all.
set --; : >"$W/want"
for n in /etc/passwd /tmp . .. .part.x .part..x; do
	set -- "$@" "put $n 1" "get $n 0"
	printf 'err 402 bad name\nerr 402 bad name\n' >>"$W/want"
done
for b in 01 09 0b 0c 0d 1b 7f 80 c3a9 ff; do
	set -- "$@" "raw:7075742061${b}6220310a"
	echo 'err 402 bad name' >>"$W/want"
done
echo 'ok 0' >>"$W/want"
xraw "$XTCP" "$@" list >"$W/out3"
cmp -s "$W/out3" "$W/want" || {
	diff "$W/want" "$W/out3" >&2 || :; fail "bad names not refused"; }
# 241 bytes: refused without creating anything; 240: the limit, works.
n240=$(printf '%0240d' 0 | tr 0 n)
[ "$(xraw "$XTCP" "put ${n240}n 1" "get ${n240}n 0")" = "$(printf 'err 402 bad name\nerr 402 bad name')" ] ||
    fail "241-byte name not refused"
echo data >"$W/src"
"$XFER" "$XTCP" put "$W/src" "${n240}n" 2>/dev/null && fail "client put a 241-byte name"
[ -z "$(ls -A "$T/root")" ] || fail "root not empty: $(ls -A "$T/root")"
"$XFER" "$XTCP" put "$W/src" "$n240" >/dev/null || fail "put of a 240-byte name"
"$XFER" "$XTCP" get "$n240" "$W/n240" >/dev/null && cmp -s "$W/src" "$W/n240" ||
    fail "get of a 240-byte name"
rm "$T/root/$n240"
# Encoded traversal is just a name: stored inside root, byte for byte.
for n in '%2e%2e%2fescape' '..%2fescape' 'a\..\escape' '%2fetc%2fpasswd'; do
	st=0
	"$XFER" "$XTCP" put "$W/src" "$n" >/dev/null 2>&1 || st=$?
	case $n in
	.*) [ "$st" != 0 ] || fail "put of a dot name '$n'" ;;
	*) [ "$st" = 0 ] && cmp -s "$W/src" "$T/root/$n" ||
	    fail "'$n' not stored literally in root" ;;
	esac
done
[ "$(tree_outside)" = "$before" ] || fail "files appeared outside root"
# Names the protocol refuses, planted in root, stay out of reach.
rm -f "$T"/root/*
for n in 'a b' .hidden .part.x "$(printf 'c\001d')" "${n240}n"; do
	echo planted >"$T/root/$n"
done
[ "$(xraw "$XTCP" list)" = "ok 0" ] || fail "list shows planted names"
[ "$(xraw "$XTCP" "get .hidden 0" "get .part.x 0")" = "$(printf 'err 402 bad name\nerr 402 bad name')" ] ||
    fail "get of a planted hidden file"
rm -f "$T"/root/* "$T"/root/.hidden "$T"/root/.part.x

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
