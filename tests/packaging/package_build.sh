#!/usr/bin/env bash
# Builds the .deb with tools/package (in the source tree's build-release, which
# later runs reuse) and writes its path for the tests that check it.
# Usage: package_build.sh SOURCE_DIR DEB_PATH_FILE
set -euo pipefail
src=$1 out=$2
rm -f "$out"
for tool in dpkg-deb dpkg-buildflags cpack; do
	if ! command -v "$tool" >/dev/null; then
		echo "SKIP: $tool is absent (tools/deps installs it)"
		exit 77
	fi
done
deb=$("$src/tools/package" | tail -n 1)
realpath "$src/$deb" >"$out"
echo "built $(cat "$out")"
