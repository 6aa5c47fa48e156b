#!/bin/sh
# exec: what cannot work is refused when the config is loaded, with
# FILE:LINE: argv[0] relative, missing or not executable, no argv, an
# env entry that is not NAME=value or overrides a UCSPI variable, a
# datagram listener, and mode = thread.
. "$top_srcdir/tests/e2e/lib.sh"
. "$top_srcdir/tests/e2e/lib-mod.sh"

: >"$T/noexec"
chmod 644 "$T/noexec"
refused() {	# WHAT REGEX -- the service body on stdin
	{ echo 'service x {'; cat; echo '}'; } >"$T/c.conf"
	st=0
	"$SOCKSERVD" -t -c "$T/c.conf" >"$T/out" 2>&1 || st=$?
	[ "$st" = 78 ] || fail "$1: sockservd -t exited $st: $(cat "$T/out")"
	grep -Eq "$T/c.conf:[0-9]+: .*$2" "$T/out" ||
	    fail "$1: no FILE:LINE message matching '$2': $(cat "$T/out")"
}
L='listen = "tcp://127.0.0.1:9"
module = "exec"'
refused relative 'absolute' <<EOC
$L
exec { argv = {"sh", "-c", "true"} }
EOC
refused missing 'No such file' <<EOC
$L
exec { argv = {"$T/nonexistent"} }
EOC
refused noexec 'not an executable' <<EOC
$L
exec { argv = {"$T/noexec"} }
EOC
refused noargv 'argv' <<EOC
$L
exec { env = {"A=b"} }
EOC
refused badenv 'NAME=value' <<EOC
$L
exec { argv = {"/bin/true"}  env = {"JUSTANAME"} }
EOC
refused ucspienv 'UCSPI' <<EOC
$L
exec { argv = {"/bin/true"}  env = {"TCPREMOTEIP=1.2.3.4"} }
EOC
refused thread 'thread' <<EOC
$L
mode = "thread"
exec { argv = {"/bin/true"} }
EOC
refused dgram '' <<EOC
listen = "udp://127.0.0.1:9"
module = "exec"
exec { argv = {"/bin/true"} }
EOC
# and the good one passes
{ echo 'service x {'; echo "$L"; echo 'exec { argv = {"/bin/true"} }'; echo '}'; } >"$T/c.conf"
"$SOCKSERVD" -t -c "$T/c.conf" >"$T/out" 2>&1 || fail "valid config refused: $(cat "$T/out")"
exit 0
