#!/bin/sh
# xfer: FIFOs and symlinks in root never block the server nor lead it
# out of root.  A FIFO under a name: `get' says 404 at once, `list' skips
# it, a `put' replaces it.  A FIFO as the partial: the put answers at
# once, the FIFO replaced by a regular file, never opened for data.  Then four uploads running at once, each one's partial or final
# name swapped (rename, atomic) for a symlink to a file outside root or
# for a FIFO half-way through: every upload ends, the outside file is
# unchanged, nothing appears outside root, the server keeps answering at
# once throughout, and an upload acknowledged (`ok SIZE CRC') is what its
# name holds: a final name swapped for a link or FIFO is replaced by the
# upload, a swapped partial is never renamed into the name as if it were
# the upload (the server must refuse, err 500, or store the data).
. "$top_srcdir/tests/e2e/lib.sh"
. "$top_srcdir/tests/e2e/lib-mod.sh"

start_xfer
echo outside-secret >"$T/outside"
osha=$(sha "$T/outside")
before=$(tree_outside)
# quick CMD...: CMD must finish within 5 s (a blocked server would not).
quick() { timeout 5 "$@"; }
qxraw() { timeout 5 python3 "$T/xraw.py" "$@"; }

mkfifo "$T/root/fifo" "$T/root/.part.pfifo"
[ "$(qxraw "$XTCP" "get fifo 0" list)" = "$(printf 'err 404 no such file\nok 0')" ] ||
    fail "get of a FIFO or list with one did not answer at once"
[ "$(qxraw "$XTCP" "put pfifo 3")" = "ok 0" ] ||
    fail "a put onto a FIFO partial did not answer at once"
[ -f "$T/root/.part.pfifo" ] && [ ! -p "$T/root/.part.pfifo" ] ||
    fail "the FIFO partial was not replaced by a regular file"
echo new >"$W/new"
quick "$XFER" "$XTCP" put "$W/new" fifo >/dev/null || fail "put over a FIFO"
[ -f "$T/root/fifo" ] && [ "$(cat "$T/root/fifo")" = new ] ||
    fail "the FIFO was not replaced by the upload"

# Four slow uploads (5 s each: the swaps and the gets below must come
# well before the end, even on a loaded machine); each is swapped once
# its partial holds 100 kB.
head -c 700000 /dev/urandom >"$W/data"
want=$(sha "$W/data")
for n in plink pfifo2 flink ffifo; do
	bg "$XFER" -r 140k "$XTCP" put "$W/data" "$n" >"$W/$n.out" 2>&1
	echo $! >"$W/$n.pid"
done
grown() { [ "$(stat -c %s "$T/root/.part.$1" 2>/dev/null || echo 0)" -ge 100000 ]; }
for n in plink pfifo2 flink ffifo; do
	wait_until 10 grown "$n" || fail "upload $n did not progress"
done
ln -s "$T/outside" "$T/root/tmp.1"
mv -T "$T/root/tmp.1" "$T/root/.part.plink"
mkfifo "$T/root/tmp.2"
mv -T "$T/root/tmp.2" "$T/root/.part.pfifo2"
ln -s "$T/outside" "$T/root/flink"
mkfifo "$T/root/ffifo"
# While they run, the server answers other requests at once.
qxraw "$XTCP" "get flink 0" "get ffifo 0" >"$W/mid" ||
    fail "requests blocked during the uploads"
[ "$(cat "$W/mid")" = "$(printf 'err 404 no such file\nerr 404 no such file')" ] ||
    fail "get of a planted link or FIFO: $(tr '\n' '|' <"$W/mid")"
for n in plink pfifo2 flink ffifo; do
	pid=$(cat "$W/$n.pid")
	wait_until 15 eval "! alive $pid" || fail "upload $n did not end"
	st=0
	wait "$pid" || st=$?
	echo "$st" >"$W/$n.st"
done
[ "$(sha "$T/outside")" = "$osha" ] || fail "the file outside root was written"
[ "$(tree_outside)" = "$before" ] || fail "files appeared outside root"
qxraw "$XTCP" list >/dev/null || fail "the server stopped answering"
# Success claimed means the name holds the upload; else, say why.
for n in flink ffifo plink pfifo2; do
	if [ "$(cat "$W/$n.st")" = 0 ]; then
		[ -f "$T/root/$n" ] && [ ! -L "$T/root/$n" ] &&
		    [ "$(sha "$T/root/$n")" = "$want" ] ||
		    fail "upload $n acknowledged, but root holds: $(ls -l "$T/root/$n")"
	else
		grep -q 'server I/O error' "$W/$n.out" ||
		    fail "upload $n: $(cat "$W/$n.out")"
	fi
done
for n in flink ffifo; do
	[ -f "$T/root/$n" ] || fail "final name $n swapped during the upload: no upload"
done
daemon_alive || fail "daemon died"
exit 0
