#!/bin/sh
# replay.sh -- `make check' runs every saved fuzzer input (seed corpus and
# the inputs that once crashed a harness) through the harnesses, built
# with the ordinary main() of replay.c.  A crash, a sanitizer report or a
# broken invariant fails the test.
set -eu
: "${top_builddir:?}" "${top_srcdir:?}"
fz=$top_srcdir/contrib/fuzz
"$top_builddir/fuzz-replay-xfer" "$fz/corpus-xfer"
# Only the module lookups of the inputs need this directory.
SOCKSERV_MODULE_DIR=$top_builddir/.libs "$top_builddir/fuzz-replay-conf" \
    "$fz/corpus-conf"
