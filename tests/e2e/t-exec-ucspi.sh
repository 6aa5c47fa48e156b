#!/bin/sh
# exec: a /bin/sh script run per connection sees the connection as stdin
# and stdout and the UCSPI variables -- PROTO=TCP / TCP6 / UNIX and the
# numeric TCPREMOTEIP, TCPREMOTEPORT, TCPLOCALIP, TCPLOCALPORT -- plus a
# sane PATH and the configured env, over IPv4, IPv6 (if ::1 exists) and a
# Unix socket, both without timeout (the program holds the socket) and
# with one (the module relays).  Its exit status is what the master logs.
. "$top_srcdir/tests/e2e/lib.sh"
. "$top_srcdir/tests/e2e/lib-mod.sh"

cat >"$T/ucspi.sh" <<'EOS'
read line
echo "got=$line"
echo "PROTO=$PROTO"
echo "TCPREMOTEIP=${TCPREMOTEIP-unset}"
echo "TCPREMOTEPORT=${TCPREMOTEPORT-unset}"
echo "TCPLOCALIP=${TCPLOCALIP-unset}"
echo "TCPLOCALPORT=${TCPLOCALPORT-unset}"
echo "UNIXREMOTEPID=${UNIXREMOTEPID-unset}"
echo "PATH=$PATH"
echo "GREETING=${GREETING-unset}"
echo "ARGS=$*"
exit 3
EOS
p1=$(free_port)
p2=$(free_port)
v6=
have_ipv6 && v6=yes
svc() {	# NAME PORT TIMEOUT
	echo "service $1 {"
	echo "  listen = { \"tcp://127.0.0.1:$2\", \"unix://$T/$1.sock\""
	[ -n "$v6" ] && echo "    , \"tcp://[::1]:$2\""
	echo "  }"
	echo "  module = \"exec\""
	echo "  timeout = $3"
	echo "  exec { argv = {\"/bin/sh\", \"$T/ucspi.sh\", \"one\", \"two\"}"
	echo "         env = {\"GREETING=hi there\"} }"
	echo "}"
}
{ echo 'log = "stderr"'; svc direct "$p1" 0; svc relay "$p2" 10; } >"$T/c.conf"
start_daemon "$T/c.conf"

check() {	# URL PROTO IP PORT
	ucspi_get "$1" "hello $1" >"$T/out" || fail "$1: client failed"
	set -- "$1" "$2" "${3:-}" "${4:-}" $(sed -n 's/^CLIENT=//p' "$T/out")
	cl_ip=${5:-}; cl_port=${6:-}
	want="got=hello $1
PROTO=$2"
	if [ "$2" = UNIX ]; then
		want="$want
TCPREMOTEIP=unset
TCPREMOTEPORT=unset
TCPLOCALIP=unset
TCPLOCALPORT=unset"
	else
		want="$want
TCPREMOTEIP=$cl_ip
TCPREMOTEPORT=$cl_port
TCPLOCALIP=$3
TCPLOCALPORT=$4"
	fi
	got=$(sed -n '2,7p' "$T/out")
	[ "$got" = "$want" ] || fail "$1: got
$got
want
$want"
	if [ "$2" = UNIX ]; then
		grep -q "^UNIXREMOTEPID=[0-9][0-9]*$" "$T/out" ||
		    fail "$1: no UNIXREMOTEPID"
	fi
	grep -q '^PATH=/usr/local/bin:/usr/bin:/bin$' "$T/out" || fail "$1: PATH"
	grep -q '^GREETING=hi there$' "$T/out" || fail "$1: configured env"
	grep -q '^ARGS=one two$' "$T/out" || fail "$1: argv"
}
for s in direct:$p1 relay:$p2; do
	name=${s%%:*} port=${s#*:}
	check "tcp://127.0.0.1:$port" TCP 127.0.0.1 "$port"
	check "unix://$T/$name.sock" UNIX
	[ -z "$v6" ] || check "tcp://[::1]:$port" TCP6 ::1 "$port"
done
[ -n "$v6" ] || note "no ::1 here: IPv6 not checked"

# the program's exit status is the request's, as the master logs it
n=$(grep -c 'status 3$' "$DAEMON_LOG" || true)
want_n=4; [ -n "$v6" ] && want_n=6
logged() { [ "$(grep -c 'status 3$' "$DAEMON_LOG")" -ge $want_n ]; }
wait_until 10 logged || fail "exit status 3 logged $n times, want $want_n"
exit 0
