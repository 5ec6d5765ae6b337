#!/usr/bin/env bash
# Every C and C++ file of the tree is as clang-format 14 writes it (.clang-format):
# names the files that are not. Usage: check_format.sh SOURCE_DIR
set -euo pipefail
cd "$1"
format=$(command -v clang-format-14 || command -v clang-format || true)
if [ -z "$format" ]; then
  echo "clang-format 14 is not installed (tools/deps installs it)" >&2
  exit 1
fi
bad=()
while IFS= read -r -d '' file; do
  "$format" --dry-run --Werror "$file" >/dev/null 2>&1 || bad+=("$file")
done < <(find src tests fuzz tools \( -name '*.cpp' -o -name '*.hpp' -o -name '*.c' -o -name '*.h' \) -print0)
if ((${#bad[@]})); then
  printf 'not formatted (clang-format -i FILE): %s\n' "${bad[@]}" >&2
  exit 1
fi
