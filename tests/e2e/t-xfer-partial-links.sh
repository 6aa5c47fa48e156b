#!/bin/sh
# xfer: the module's own files in root are never written through.  A
# partial `.part.NAME' that is a hard link to a file outside root (longer
# or shorter than the upload), or a FIFO, is replaced by a fresh file: the
# upload starts at offset 0 and completes, the outside file is unchanged.
# The same for the quota file `.quota' (used with max_total_size).
. "$top_srcdir/tests/e2e/lib.sh"
. "$top_srcdir/tests/e2e/lib-mod.sh"

start_xfer "max_total_size = 100000000"
mkdir "$T/outside"
head -c 5000 /dev/urandom >"$T/outside/big"
head -c 100 /dev/urandom >"$T/outside/small"
printf 'hl1 99999999\n' >"$T/outside/quota"
for f in big small quota; do
	sha "$T/outside/$f" >"$W/$f.sha"
done
ln "$T/outside/big" "$T/root/.part.hl1"
ln "$T/outside/small" "$T/root/.part.hl2"
ln "$T/outside/quota" "$T/root/.quota"
mkfifo "$T/root/.part.ff"
head -c 1000 /dev/urandom >"$W/up"

for n in hl1 hl2 ff; do
	"$XFER" "$XTCP" put "$W/up" $n >"$W/out.$n" 2>&1 ||
	    echo "put $n: $(cat "$W/out.$n")" >>"$W/failed"
done
for f in big small quota; do
	[ "$(sha "$T/outside/$f")" = "$(cat "$W/$f.sha")" ] ||
	    fail "outside file $f changed through a link in root"
	[ "$(stat -c %h "$T/outside/$f")" = 1 ] ||
	    fail "outside file $f is still linked into root"
done
[ ! -e "$W/failed" ] || fail "$(cat "$W/failed")"
for n in hl1 hl2 ff; do
	grep -q " offset=0 " "$W/out.$n" ||
	    fail "put $n resumed a foreign file: $(cat "$W/out.$n")"
	[ "$(sha "$T/root/$n")" = "$(sha "$W/up")" ] || fail "$n differs"
	[ -f "$T/root/$n" ] && [ "$(stat -c %h "$T/root/$n")" = 1 ] ||
	    fail "$n is not a file of its own"
done
log_has 'root/\.part\.hl1 is not a regular file with one link: replaced' ||
    fail "replacing .part.hl1 was not logged"
exit 0
