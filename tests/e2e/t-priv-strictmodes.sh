#!/bin/sh
# t-priv-strictmodes: as root, sockservd refuses (like sshd's StrictModes)
# a module file writable by others, a module owned by another user than
# root, a module directory writable by others, and a config file writable
# by others, naming the file; the same files with safe permissions are
# accepted, so the permission is what is refused.  Root only.
. "$top_srcdir/tests/e2e/lib-priv.sh"
need_root
set -- $(user_ids nobody); NUID=$1

mods=$T/mods
mkdir "$mods"
chmod 755 "$mods"
cp "$top_builddir/.libs/echo.so" "$mods/echo.so"
chmod 644 "$mods/echo.so"
P=$(free_port)
conf=$T/sockserv.conf
write_conf "$conf" <<EOC
service s {
	listen = "tcp://127.0.0.1:$P"
	module = "$mods/echo.so"
}
EOC
chmod 644 "$conf"

# check_t WANT WHAT: sockservd -t exits WANT; for a refusal, the output
# must name the file and say why (REGEX $why).
check_t() {
	local st=0
	"$SOCKSERVD" -t -c "$conf" >"$T/out" 2>&1 || st=$?
	[ "$st" = "$1" ] || fail "$2: -t exited $st, expected $1: $(cat "$T/out")"
	if [ "$1" != 0 ]; then
		grep -Eq -- "$why" "$T/out" || fail "$2: message '$(cat "$T/out")' does not match /$why/"
	fi
}

check_t 0 "safe files"

chmod o+w "$mods/echo.so"
why="$mods/echo.so.*writable by others"
check_t 78 "module writable by others"
chmod o-w "$mods/echo.so"

chown "$NUID" "$mods/echo.so"
why="$mods/echo.so.*owned by uid $NUID"
check_t 78 "module owned by nobody"
chown 0 "$mods/echo.so"

chmod o+w "$mods"
why="$mods.*writable by others"
check_t 78 "module directory writable by others"
# The same through module_dir and a bare module name.
sed -i "s|module = \"$mods/echo.so\"|module = \"echo\"|" "$conf"
sed -i "1i module_dir = \"$mods\"" "$conf"
check_t 78 "module_dir writable by others"
chmod o-w "$mods"
check_t 0 "module_dir safe again"

chmod o+w "$conf"
why="$conf.*writable by others"
check_t 78 "config file writable by others"
# Nor does the daemon start with it.
st=0
timeout 10 "$SOCKSERVD" -f -c "$conf" -p "$T/pid" >"$T/out" 2>&1 || st=$?
[ "$st" != 0 ] && [ "$st" != 124 ] ||
    fail "daemon started with a config writable by others (status $st)"
grep -Eq -- "$why" "$T/out" || fail "start: message '$(cat "$T/out")' does not match /$why/"
chmod o-w "$conf"
check_t 0 "config safe again"
