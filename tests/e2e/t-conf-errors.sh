#!/bin/sh
# t-conf-errors: each kind of configuration error makes sockservd exit 78
# (both at start-up and with -t) and names FILE:LINE with the right line; a
# mistake in the text (NUL byte, open string, comment or block) is one
# message at the line where it starts; a file with several errors reports
# all of them, and one in an included file names that file; -t on a good
# config (one without services too) prints `configuration OK', exits 0 and
# binds nothing.
. "$top_srcdir/tests/e2e/lib.sh"

port=$(free_port)

# check_bad NAME LINE TOKEN: $T/NAME.conf must be rejected with 78 and a
# `FILE:LINE:' message containing TOKEN, by -t and by a real start.
check_bad() {
	local f=$T/$1.conf line=$2 tok=$3 how rc
	for how in -t -f; do
		rc=0
		timeout 20 "$SOCKSERVD" "$how" -c "$f" -p "$T/$1.pid" \
		    >"$T/$1$how.out" 2>&1 || rc=$?
		[ "$rc" = 78 ] ||
		    fail "$1 ($how): exit $rc, expected 78: $(cat "$T/$1$how.out")"
		grep -F -- "$f:$line:" "$T/$1$how.out" | grep -qF -- "$tok" ||
		    fail "$1 ($how): no '$f:$line: ...$tok...' in: $(cat "$T/$1$how.out")"
	done
}

# check_only NAME LINE TOKEN: check_bad, and -t said nothing else (one
# cause, one message: no consequence reported as a second error).
check_only() {
	check_bad "$@"
	[ "$(wc -l <"$T/$1-t.out")" = 1 ] ||
	    fail "$1: more than one message: $(cat "$T/$1-t.out")"
}

svc() {	# svc BODY-LINES...: a service block around the given lines
	echo 'service s {'
	for l in "$@"; do echo "	$l"; done
	echo '}'
}
L="listen = \"tcp://127.0.0.1:$port\""

svc "$L" 'module = "echo"' 'bogus_key = 1' >"$T/unknown-key.conf"
check_bad unknown-key 4 bogus_key

svc "$L" 'module = "echo"' 'max_children = "many"' >"$T/wrong-type.conf"
check_bad wrong-type 4 max_children

svc "$L" 'module = "nosuchmod"' >"$T/unknown-module.conf"
check_bad unknown-module 3 nosuchmod

svc 'listen = "tcp://127.0.0.1:notaport"' 'module = "echo"' >"$T/bad-address.conf"
check_bad bad-address 2 notaport

svc "$L" 'module = "echo"' 'mode = "forky"' >"$T/unknown-mode.conf"
check_bad unknown-mode 4 forky

svc "$L" 'module = "slow"' 'slow {' '	delay_ms = 1' '	nope = 2' '}' \
    >"$T/unknown-modopt.conf"
check_bad unknown-modopt 6 nope

svc "$L" 'module = "badabi"' >"$T/bad-abi.conf"
check_bad bad-abi 3 ABI

# What libConfuse took silently or reported lines away from the cause.
printf 'service s {\n\tlisten = "tcp://127.0.0.1:%s\000x"\n\tmodule = "echo"\n}\n' \
    "$port" >"$T/nul-byte.conf"
check_only nul-byte 2 'NUL byte'

printf 'service s {\n\t%s\n\tmodule = "echo%s000"\n}\n' "$L" '\' \
    >"$T/nul-escape.conf"
check_only nul-escape 3 'NUL byte in a string (\000)'

svc "listen = \"tcp://127.0.0.1:$port" 'module = "echo"' 'mode = "fork"' \
    >"$T/unterminated.conf"
check_only unterminated 2 'unterminated string starting at line 2'

svc "$L" 'module = "echo"' | sed '$d' >"$T/unclosed-last.conf"
check_only unclosed-last 1 "block 'service s' opened at line 1 is not closed"

{ svc "$L" 'module = "echo"' | sed '$d'
  svc "listen = \"udp://127.0.0.1:$port\"" 'module = "echo"'; } \
    >"$T/unclosed-mid.conf"
check_only unclosed-mid 1 "block 'service s' opened at line 1 is not closed"

{ echo '# a comment'; echo '/* and'; echo '   another */'
  svc "$L" 'module = "echo"' 'bogus_key = 1'; } >"$T/after-comments.conf"
check_only after-comments 7 bogus_key

svc "listen = \"udp://127.0.0.1:0\"" 'module = "echo"' >"$T/udp-port0.conf"
check_only udp-port0 2 'udp://127.0.0.1:0: port 0 is not allowed'

svc "listen = \"tcp://127.0.0.1:0\"" 'module = "echo"' >"$T/tcp-port0.conf"
check_only tcp-port0 2 'tcp://127.0.0.1:0: port 0 is not allowed'

svc 'module = "echo"' \
    "listen = { \"udp://127.0.0.1:$port\", \"udp://127.0.0.1:$port\" }" \
    >"$T/dup-listen.conf"
check_only dup-listen 3 "service s: duplicate address udp://127.0.0.1:$port in listen"

# A bad address is one error: never also "is also used by".
cat >"$T/bad-twice.conf" <<EOC
service a {
	listen = { "tcp://127.0.0.1:notaport", "tcp://127.0.0.1:$port" }
	module = "echo"
}
service b {
	listen = { "tcp://127.0.0.1:notaport", "udp://127.0.0.1:$port" }
	module = "echo"
}
EOC
check_bad bad-twice 6 notaport
[ "$(wc -l <"$T/bad-twice-t.out")" = 2 ] ||
    fail "bad-twice: not exactly the two bad addresses: $(cat "$T/bad-twice-t.out")"

# No service at all is no error (SPEC): -t passes; t-conf-idle runs it.
echo 'log_level = "info"' >"$T/no-service.conf"
out=$("$SOCKSERVD" -t -c "$T/no-service.conf" 2>&1) ||
    fail "no service: -t refused it: $out"

# A mistake in an included file names that file and its line there.
printf '# 1\n\n' >"$T/inc.conf"
svc "$L" 'module = "echo"' 'bogus_key = 1' >>"$T/inc.conf"
printf '# 1\ninclude "inc.conf"\n' >"$T/including.conf"
for how in -t -f; do
	rc=0
	timeout 20 "$SOCKSERVD" "$how" -c "$T/including.conf" -p "$T/inc.pid" \
	    >"$T/inc.out" 2>&1 || rc=$?
	[ "$rc" = 78 ] || fail "include ($how): exit $rc, expected 78"
	grep -qF "$T/inc.conf:6: unknown key 'bogus_key'" "$T/inc.out" ||
	    fail "include ($how): included file:line not named: $(cat "$T/inc.out")"
done

# Several errors in one file: every one is reported with its line.
cat >"$T/several.conf" <<EOC
service a {
	listen = "tcp://127.0.0.1:$port"
	module = "nosuchmod1"
}
service b {
	listen = "tcp://127.0.0.1:notaport"
	module = "echo"
}
service c {
	listen = "unix://$T/c.sock"
	module = "echo"
	mode = "forky"
}
EOC
rc=0
timeout 20 "$SOCKSERVD" -t -c "$T/several.conf" >"$T/several.out" 2>&1 || rc=$?
[ "$rc" = 78 ] || fail "several errors: exit $rc, expected 78"
for e in 3:nosuchmod1 6:notaport 12:forky; do
	grep -F -- "$T/several.conf:${e%%:*}:" "$T/several.out" |
	    grep -qF -- "${e#*:}" ||
	    fail "several errors: '${e#*:}' not reported at line ${e%%:*}: $(cat "$T/several.out")"
done

# -t on a good config: `configuration OK', 0, nothing bound, nothing left.
cat >"$T/good.conf" <<EOC
service good {
	listen = { "tcp://127.0.0.1:$port", "unix://$T/good.sock" }
	module = "echo"
	mode = "prefork"
}
EOC
rc=0
timeout 20 "$SOCKSERVD" -t -c "$T/good.conf" -p "$T/good.pid" \
    >"$T/good.out" 2>&1 || rc=$?
[ "$rc" = 0 ] || fail "-t on a good config: exit $rc: $(cat "$T/good.out")"
grep -q 'configuration OK' "$T/good.out" ||
    fail "-t did not print 'configuration OK': $(cat "$T/good.out")"
[ ! -e "$T/good.sock" ] || fail "-t created the unix socket file"
[ ! -e "$T/good.pid" ] || fail "-t wrote the pidfile"
client refused "tcp://127.0.0.1:$port" || fail "-t left port $port answering"
