#!/bin/sh
# check-deps.sh [BUILDDIR] -- the file graph of src/lib and src/daemon has
# no cycle.  An edge A -> B means an object of A.c uses a symbol (function
# or variable) that B.c defines; the graph is read from the objects of a
# build with nm (default: $top_builddir under `make check', else _build),
# so it sees calls and data, not only #includes.  tsort(1) reports every
# loop; each is printed and the script exits 1.  With -v it prints the
# edges as "A B SYMBOL" first.
verbose=0
[ "$1" = -v ] && { verbose=1; shift; }
b=${1:-${top_builddir:-_build}}
tmp=$(mktemp -d) || exit 2
trap 'rm -rf "$tmp"' EXIT
for o in "$b"/src/lib/libsockserv_la-*.o "$b"/src/daemon/libsockservd_la-*.o \
    "$b"/src/daemon/sockservd-main.o; do
	[ -f "$o" ] || { echo "check-deps: no objects in $b" >&2; exit 2; }
	f=${o##*/}; f=${f#*_la-}; f=${f#sockservd-}; f=${f%.o}
	case $o in */src/lib/*) f=lib/$f ;; *) f=daemon/$f ;; esac
	nm --defined-only "$o" | awk -v f="$f" '$2 ~ /^[TDBRC]$/ { print $3, f }' \
	    >>"$tmp/def"
	nm -u "$o" | awk -v f="$f" '{ print $2, f }' >>"$tmp/use"
done
sort "$tmp/def" >"$tmp/def.s"
sort "$tmp/use" >"$tmp/use.s"
# symbol user  joined with  symbol definer  ->  user definer symbol
join "$tmp/use.s" "$tmp/def.s" | awk '$2 != $3 { print $2, $3, $1 }' |
    sort -u >"$tmp/edges"
[ $verbose = 1 ] && cat "$tmp/edges"
awk '{ print $1, $2 }' "$tmp/edges" | sort -u | tsort >/dev/null 2>"$tmp/loops"
if [ -s "$tmp/loops" ]; then
	sed 's/^tsort: //' "$tmp/loops"
	exit 1
fi
echo "check-deps: $(awk '{ print $1, $2 }' "$tmp/edges" | sort -u | wc -l) edges between files, no cycle"
