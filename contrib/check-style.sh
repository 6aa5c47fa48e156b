#!/bin/sh
# check-style.sh -- every C file of the tree is laid out as .clang-format
# says.  clang-format's layout differs between major versions, so the
# check runs with the one the project formats with (14, Debian 12's;
# contrib/setup.sh installs it) and skips (77) without it.  Prints the
# files that differ, and the command that fixes them; exits 1 if any.
top=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
cf=
for c in clang-format-14 clang-format; do
	if command -v "$c" >/dev/null &&
	    "$c" --version | grep -q 'version 14\.'; then
		cf=$c
		break
	fi
done
[ -n "$cf" ] || { echo "check-style: clang-format 14 not found" >&2; exit 77; }
cd "$top" || exit 2
bad=
for f in $(find src tests contrib -name '*.[ch]' | sort); do
	"$cf" --style=file --dry-run -Werror "$f" >/dev/null 2>&1 || bad="$bad $f"
done
[ -z "$bad" ] && { echo "check-style: every file as .clang-format says"; exit 0; }
echo "check-style: not as .clang-format says:$bad"
echo "fix with: $cf -i --style=file$bad"
exit 1
