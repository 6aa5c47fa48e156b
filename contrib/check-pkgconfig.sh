#!/bin/sh
# check-pkgconfig.sh [BUILDDIR] -- the pkg-config files a build installs
# are all a user needs: every program of contrib/examples compiles and
# links with `pkg-config --cflags --libs libsockserv' alone, a bundled
# module (echo.c) builds with sockserv-module.pc into a .so that sockservd
# loads, libsockserv.pc requires no libConfuse (the library does not link
# it) and its Libs carry -pthread (its servers run handlers in threads).
# BUILDDIR's uninstalled .pc files are used, with includedir and libdir
# pointed at the source and build trees.  Exits 77 without pkg-config or
# cc, 1 on any failure.
set -eu
b=${1:-${top_builddir:-_build}}
s=${top_srcdir:-.}
b=$(cd "$b" && pwd)
s=$(cd "$s" && pwd)
command -v pkg-config >/dev/null || { echo "SKIP: no pkg-config"; exit 77; }
command -v cc >/dev/null || { echo "SKIP: no cc"; exit 77; }

t=$(mktemp -d "${TMPDIR:-/tmp}/check-pkgconfig.XXXXXX")
trap 'rm -rf "$t"' EXIT
umask 022
PKG_CONFIG_PATH=$b/src/lib
export PKG_CONFIG_PATH
pc() {
	pkg-config --define-variable=includedir="$s/src/include" \
	    --define-variable=libdir="$b/.libs" "$@"
}
fail() { echo "FAIL: $*"; exit 1; }
san=
[ -z "${SOCKSERV_SANITIZERS:-}" ] || san=-fsanitize=address,undefined

for m in libsockserv sockserv-module; do
	pc --exists --print-errors "$m" || fail "$m.pc unusable"
done
req=$(pc --print-requires --print-requires-private libsockserv)
[ -z "$req" ] || fail "libsockserv.pc requires: $req"
case " $(pc --libs libsockserv) " in
*" -pthread "*) ;;
*) fail "no -pthread in libsockserv.pc's Libs: $(pc --libs libsockserv)" ;;
esac

for src in "$s"/contrib/examples/*.c; do
	exe=$t/$(basename "$src" .c)
	# shellcheck disable=SC2046
	cc $san -o "$exe" "$src" $(pc --cflags --libs libsockserv) ||
	    fail "$src does not build with libsockserv.pc"
	echo "ok: $(basename "$src")"
done

mkdir "$t/mod"
# shellcheck disable=SC2046
cc $san -shared -fPIC -o "$t/mod/echo.so" "$s/src/modules/echo.c" \
    $(pc --cflags --libs sockserv-module) ||
    fail "src/modules/echo.c does not build with sockserv-module.pc"
cat >"$t/c.conf" <<EOF
module_dir = "$t/mod"
service echo { listen = "tcp://127.0.0.1:7" module = "echo" }
EOF
out=$("$b/sockservd" -t -c "$t/c.conf" 2>&1) ||
    fail "sockservd does not load the module: $out"
echo "ok: echo.so, $out"
