#!/usr/bin/env bash
# The shape of the source tree, checked: the layers include only downwards, a core
# feature folder includes only itself, core's shared types and the layers below, no
# source file is over 400 lines and no function over 60 (the sans-I/O NATS parser,
# a state machine best read in one piece, aside). Prints every breach; exit 1 if any.
# Usage: check_layout.sh SOURCE_DIR
set -uo pipefail
src=$1/src
status=0
breach() { echo "$1"; status=1; }

# includes: FILE, then the quoted paths it includes
includes() { sed -n 's/^#include "\([^"]*\)".*/\1/p' "$1"; }

# Which of our folders a layer may include from (a prefix of the included path).
allowed_for() {
	case $1 in
	src/protocol/*) echo "protocol/" ;;
	src/nats/*) echo "nats/" ;;
	src/log/*) echo "log/" ;;
	src/core/*/*) echo "core/${1#src/core/} core/[^/]*\$ protocol/ nats/ log/" ;;
	src/core/*) echo "core/[^/]*\$ protocol/ nats/ log/" ;;
	src/app/*) echo "app/ core/ protocol/ nats/ log/" ;;
	esac
}

cd "$1" || exit 2
while IFS= read -r file; do
	rules=$(allowed_for "$file")
	case $file in src/core/*/*)
		feature=${file#src/core/}
		feature=${feature%%/*}
		rules="core/$feature/ core/[^/]*\$ protocol/ nats/ log/"
		;;
	esac
	while IFS= read -r inc; do
		ok=0
		for rule in $rules; do
			if [[ $inc =~ ^$rule ]]; then ok=1; break; fi
		done
		[ $ok = 1 ] || breach "$file includes $inc, which its layer must not"
	done < <(includes "$file")
	lines=$(wc -l <"$file")
	[ "$lines" -le 400 ] || breach "$file has $lines lines (at most 400)"
done < <(find src -name '*.cpp' -o -name '*.hpp' | sort)

# Functions: a definition starts at a line in column 0 and ends at a lone "}" in
# column 0 (the tree is clang-formatted, so bodies are indented).
while IFS= read -r file; do
	[ "$file" = src/nats/proto/parser.cpp ] && continue
	awk -v file="$file" '
		/^};$/ { start = 0; next }
		/^[A-Za-z_].*= *\{$/ { start = 0; next }
		/^}$/ { if (start) { n = NR - start + 1; if (n > 60) printf "%s:%d: a function of %d lines (at most 60)\n", file, start, n }; start = 0; next }
		/^(namespace|using|template|struct|class|enum|extern|#|\/\/|}|static_assert|inline constexpr|constexpr)/ { next }
		/^[A-Za-z_]/ { if (!start) start = NR; if ($0 ~ /;$/) start = 0 }
	' "$file"
done < <(find src -name '*.cpp' -o -name '*.hpp' | sort) | { grep . && exit 1 || exit 0; } || status=1
exit $status
