#!/usr/bin/env bash
# Builds the .deb with tools/package and writes its path for the tests that check it.
# A build configured for packaging (tools/test's normal build) is packed as it is:
# the package holds the binary these tests ran. Any other is left alone and the
# package built in the source tree's build-release (which later runs reuse).
# Usage: package_build.sh SOURCE_DIR DEB_PATH_FILE BUILD_DIR
set -euo pipefail
src=$1 out=$2 build=$3
rm -f "$out"
for tool in dpkg-deb dpkg-buildflags cpack; do
	if ! command -v "$tool" >/dev/null; then
		echo "SKIP: $tool is absent (tools/deps installs it)"
		exit 77
	fi
done
if grep -qx 'CMAKE_INSTALL_PREFIX:PATH=/usr' "$build/CMakeCache.txt" &&
	grep -qx 'REMAPHORE_STATIC_LIBS:BOOL=OFF' "$build/CMakeCache.txt" &&
	grep -q '^CMAKE_CXX_FLAGS:STRING=.*_FORTIFY_SOURCE' "$build/CMakeCache.txt"; then
	deb=$("$src/tools/package" --built "$build" | tail -n 1)
else
	deb=$("$src/tools/package" | tail -n 1)
fi
(cd "$src" && realpath "$deb") >"$out"
echo "built $(cat "$out")"
