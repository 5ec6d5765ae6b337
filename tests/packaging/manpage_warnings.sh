#!/usr/bin/env bash
# The man page renders as man shows it without a single troff warning, and holds
# what an admin looks for in it: SEE ALSO, and an example of --retain with --since.
# Usage: manpage_warnings.sh MAN_PAGE
set -euo pipefail
page=$1
if ! command -v man >/dev/null || ! command -v groff >/dev/null; then
	echo "SKIP: man or groff is absent (Debian packages man-db, groff-base; tools/deps installs them)"
	exit 77
fi
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
warnings=$(MANWIDTH=80 man --warnings -l "$page" 2>&1 >/dev/null || true)
[[ -z $warnings ]] || fail "man --warnings -l $page:
$warnings"
grep -q '^\.SH "SEE ALSO"$' "$page" || fail "no SEE ALSO section"
grep -q 'remaphore \\-s \\-\\-retain' "$page" || fail "no example of -s --retain"
grep -q '\\-\\-since' "$page" || fail "no example of --since"
((failures == 0)) || exit 1
echo "man page: renders without warnings, has SEE ALSO and a --retain/--since example"
