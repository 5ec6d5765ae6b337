#!/usr/bin/env bash
# Runs shellcheck on the shell code that gets installed or builds the package: the
# maintainer scripts (POSIX sh, run by dpkg), the generated bash completion,
# tools/package and these tests.
# Usage: shellcheck.sh SOURCE_DIR BUILD_DIR
set -euo pipefail
src=$1 build=$2
if ! command -v shellcheck >/dev/null; then
	echo "SKIP: shellcheck is absent (Debian package shellcheck; tools/deps installs it)"
	exit 77
fi
shellcheck --shell=sh "$src/packaging/debian/postinst" "$src/packaging/debian/postrm"
shellcheck --shell=bash "$build/completion/remaphore.bash" "$src/tools/package" "$src/tools/deps" \
	"$src"/tests/packaging/*.sh
echo "shellcheck: clean"
