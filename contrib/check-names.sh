#!/bin/sh
# check-names.sh [BUILDDIR] -- every function a file of src/lib or
# src/daemon exports carries the file's name (conf-scan.c: conf_scan*),
# so that a name says where to look; the library's public API
# (sockserv_*) and main() are the exceptions.  Reads the objects of a
# build (default: $top_builddir under `make check', else _build); prints
# each offender as FILE: SYMBOL and exits 1 if there is any.
b=${1:-${top_builddir:-_build}}
bad=0
for o in "$b"/src/lib/libsockserv_la-*.o "$b"/src/daemon/libsockservd_la-*.o \
    "$b"/src/daemon/sockservd-main.o; do
	[ -f "$o" ] || { echo "check-names: no objects in $b" >&2; exit 2; }
	f=${o##*/}; f=${f#*_la-}; f=${f#sockservd-}; f=${f%.o}
	p=$(printf %s "$f" | tr - _)
	for s in $(nm -g --defined-only "$o" | awk '$2 == "T" { print $3 }'); do
		case $s in
		"$p"|"$p"_*|main) ;;
		sockserv_*) case $o in */src/lib/*) ;; *) echo "$f.c: $s"; bad=1;; esac ;;
		*) echo "$f.c: $s"; bad=1 ;;
		esac
	done
done
exit $bad
