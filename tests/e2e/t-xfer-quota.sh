#!/bin/sh
# xfer: max_total_size counts uploads in progress.  Six clients put 1 MB
# each, 200 ms apart, against max_total_size = 2000000 in fork, prefork
# and thread mode: two are stored, four are told `quota exceeded', and
# the bytes in root (complete and partial files) never pass 2000000 at
# any moment.  An abandoned re-upload of a stored name cannot leave file
# plus partial over the limit, and its reservation ends with it: the
# partial then counts by what it holds, and a resume completes it.  The
# reservation of an upload whose server process is killed ends too.
. "$top_srcdir/tests/e2e/lib.sh"
. "$top_srcdir/tests/e2e/lib-mod.sh"

MODES="fork prefork thread"
MB=1000000
LIMIT=2000000
{
	echo 'log = "stderr"'
	for m in $MODES; do
		p=$(free_port)
		echo "$p" >"$T/port.$m"
		mkdir "$T/root.$m"
		cat <<EOC
service files_$m {
    listen  = "tcp://127.0.0.1:$p"
    module  = "xfer"
    mode    = "$m"
    workers = 8
    timeout = 20
    xfer {
        root = "$T/root.$m"
        max_file_size = $MB
        max_total_size = $LIMIT
    }
}
EOC
	done
} >"$T/quota.conf"
start_daemon "$T/quota.conf"

# stored DIR: the bytes of the regular files in DIR but .quota, each
# inode once (a rename seen half-way by the scan is one file, not two).
cat >"$T/stored.py" <<'PYEOF'
import os, sys, time


def stored(d):
    seen = {}
    for e in os.scandir(d):
        if e.name == '.quota':
            continue
        try:
            st = e.stat(follow_symlinks=False)
        except FileNotFoundError:
            continue
        if e.is_file(follow_symlinks=False):
            seen[st.st_ino] = max(st.st_size, seen.get(st.st_ino, 0))
    return sum(seen.values())


# stored.py DIR: print it once; stored.py DIR STOPFILE: sample every
# 10 ms until STOPFILE exists (60 s at most), print the largest.
if len(sys.argv) == 2:
    print(stored(sys.argv[1]))
    sys.exit(0)
top, deadline = 0, time.monotonic() + 60
while not os.path.exists(sys.argv[2]) and time.monotonic() < deadline:
    top = max(top, stored(sys.argv[1]))
    time.sleep(0.01)
print(max(top, stored(sys.argv[1])))
PYEOF
stored() { "$PYTHON" "$T/stored.py" "$@"; }

for i in 1 2 3 4 5 6; do
	head -c $MB /dev/urandom >"$W/d$i"
done
for m in $MODES; do
	tcp=127.0.0.1:$(cat "$T/port.$m")
	root=$T/root.$m
	bg stored "$root" "$W/stop.$m" >"$W/top.$m"
	spid=$!
	pids=
	for i in 1 2 3 4 5 6; do
		# 2 s each at 500 kB/s: all six overlap
		bg "$XFER" -r 500k "$tcp" put "$W/d$i" >"$W/out.$m.$i" 2>&1
		pids="$pids $!"
		sleep 0.2
	done
	okn=0 quota=0
	for p in $pids; do
		wait "$p" && okn=$((okn + 1)) || true
	done
	touch "$W/stop.$m"
	wait "$spid" || fail "$m: sampler failed"
	for i in 1 2 3 4 5 6; do
		! grep -q 'quota exceeded' "$W/out.$m.$i" || quota=$((quota + 1))
	done
	top=$(cat "$W/top.$m")
	note "$m: $okn stored, $quota over quota, at most $top bytes in root"
	[ "$top" -le $LIMIT ] || fail "$m: root held $top bytes > $LIMIT"
	[ $okn = 2 ] && [ $quota = 4 ] ||
	    fail "$m: $okn stored, $quota over quota: $(cat "$W"/out.$m.*)"
	[ "$(stored "$root")" = $LIMIT ] || fail "$m: root holds $(ls -lA "$root")"
done

# An abandoned re-upload of a stored name.
tcp=127.0.0.1:$(cat "$T/port.fork")
root=$T/root.fork
rm -f "$root"/d?
head -c 500000 /dev/urandom >"$W/filler"
head -c $MB /dev/urandom >"$W/a"
head -c 400000 /dev/urandom >"$W/a2"
"$XFER" "$tcp" put "$W/filler" >/dev/null || fail "put filler"
"$XFER" "$tcp" put "$W/a" >/dev/null || fail "put a"
# 1500000 stored: a and a new a of 1000000 do not fit together
[ "$(XRAW_DATA=$W/a xraw "$tcp" put:a:$MB:600000)" = \
    "err 507 quota exceeded" ] || fail "re-upload of a passed the quota"
[ "$(stored "$root")" = 1500000 ] || fail "root holds $(stored "$root")"
# a new a of 400000 fits; the client stops after 300000
[ "$(XRAW_DATA=$W/a2 xraw "$tcp" put:a:400000:300000)" = "ok 0" ] ||
    fail "re-upload within the quota refused"
part=$root/.part.a
ended() {
	[ "$(stat -c %s "$part")" = 300000 ] && flock -n "$part" true
}
wait_until 10 ended || fail "the server did not end the abandoned upload"
[ "$(stored "$root")" = 1800000 ] || fail "root holds $(stored "$root")"
# the partial now counts 300000, no longer the 400000 reserved
[ "$(xraw "$tcp" "put b 200001")" = "err 507 quota exceeded" ] ||
    fail "put b 200001 passed the quota"
[ "$(xraw "$tcp" "put b 200000")" = "ok 0" ] ||
    fail "the abandoned reservation was not released"
"$XFER" "$tcp" put "$W/a2" a >"$W/resume" || fail "resume of a failed"
grep -q ' offset=300000 ' "$W/resume" || fail "no resume: $(cat "$W/resume")"
[ "$(sha "$root/a")" = "$(sha "$W/a2")" ] || fail "a differs"
[ "$(stored "$root")" = 900000 ] || fail "root holds $(stored "$root")"

# The server process of an upload is killed: its reservation dies with it.
bg "$XFER" -r 200k "$tcp" put "$W/d1" c >/dev/null 2>&1
cpid=$!
part=$root/.part.c
begun() { [ "$(stat -c %s "$part" 2>/dev/null || echo 0)" -ge 100000 ]; }
wait_until 20 begun || fail "upload of c did not start"
spid=$(fuser "$part" 2>/dev/null) || fail "no process holds $part"
set -- $spid
[ $# = 1 ] || fail "several processes hold $part: $spid"
kill -KILL "$1"
wait "$cpid" 2>/dev/null && fail "the client of the killed upload succeeded"
unlocked() { flock -n "$part" true; }
wait_until 10 unlocked || fail "$part still locked"
room=$((LIMIT - 900000 - $(stat -c %s "$part")))
[ "$(xraw "$tcp" "put e $((room + 1))")" = "err 507 quota exceeded" ] ||
    fail "put e $((room + 1)) passed the quota"
[ "$(xraw "$tcp" "put e $room")" = "ok 0" ] ||
    fail "the killed upload's reservation was not released"
exit 0
