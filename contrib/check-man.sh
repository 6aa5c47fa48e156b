#!/bin/sh
# check-man.sh [PAGE...] -- the manual pages (default: every doc/*.[1-9]
# of $top_srcdir) are clean, and prints each problem:
#
#   mandoc -Tlint -W warning    no warning or error (section order and
#                               names, dates, macro use, ...);
#   our own cross references    every `.Xr sockserv... N' or
#                               `.BR sockserv... (N)' names a page here;
#   man --warnings              no groff warning, run as lintian runs it
#                               (skipped without man-db).
#
# mandoc's STYLE level is not checked: its cross-reference check looks up
# pages only in the system's installed manuals, so it reports our own
# pages (which are not installed when we check) and any system page that
# is not installed here; the second check covers our own instead.
# Exits 77 without mandoc, 1 on any problem.
set -eu
s=${top_srcdir:-.}
command -v mandoc >/dev/null || { echo "SKIP: no mandoc"; exit 77; }
[ $# -gt 0 ] || set -- "$s"/doc/*.[1-9]
bad=0

out=$(mandoc -Tlint -W warning "$@" 2>&1) || true
[ -z "$out" ] || { printf '%s\n' "$out"; bad=1; }

xr=$(for page in "$@"; do
	sed -n -e 's/^\.Xr \([^ ]*\) \([1-9]\).*/\1 \2/p' \
	    -e 's/^\.BR \([^ ]*\) (\([1-9]\)).*/\1 \2/p' "$page" |
	while read -r name sec; do
		case $name in sockserv*|libsockserv*) ;; *) continue ;; esac
		[ -f "$s/doc/$name.$sec" ] ||
		    echo "$page: no page $name($sec) in $s/doc"
	done
done | sort -u)
[ -z "$xr" ] || { printf '%s\n' "$xr"; bad=1; }

if command -v man >/dev/null; then
	for page in "$@"; do
		out=$(LC_ALL=C.UTF-8 MANROFFSEQ='' MANWIDTH=80 \
		    man --warnings -E UTF-8 -l -Tutf8 -Z "$page" 2>&1 >/dev/null) ||
		    true
		[ -z "$out" ] || { printf '%s: %s\n' "$page" "$out"; bad=1; }
	done
fi
exit $bad
