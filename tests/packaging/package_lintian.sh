#!/usr/bin/env bash
# lintian on the .deb: no errors. Its warnings are printed for the log.
# Usage: package_lintian.sh DEB_PATH_FILE
set -euo pipefail
if ! command -v lintian >/dev/null; then
	echo "SKIP: lintian is absent (Debian package lintian; tools/deps installs it)"
	exit 77
fi
[[ -s $1 ]] || { echo "SKIP: no package was built (see package_build)"; exit 77; }
deb=$(cat "$1")
out=$(lintian --tag-display-limit 0 "$deb" 2>&1) || true
echo "$out"
if grep -q '^E: ' <<<"$out"; then
	echo "FAIL: lintian reports errors"
	exit 1
fi
echo "lintian: no errors"
