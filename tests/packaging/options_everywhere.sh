#!/usr/bin/env bash
# Every option `remaphore --help` lists is described everywhere an admin looks: in
# the man page (an option heading), in README.md (the options table), in the bash
# completion's list and in a zsh _arguments spec; and none of those has an option
# --help lacks.
# Usage: options_everywhere.sh REMAPHORE_BINARY SOURCE_DIR COMPLETION_DIR
# The lists of each place are read by name (${!list}).
# shellcheck disable=SC2034
set -euo pipefail
remaphore=$1 src=$2 completion=$3
man=$src/doc/remaphore.1 readme=$src/README.md bash_script=$completion/remaphore.bash zsh_script=$completion/_remaphore
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

help_options=$("$remaphore" --help | grep -E '^ +-' | grep -oE '(^|[ ,])--?[A-Za-z][A-Za-z-]*' | tr -d ' ,' | sort -u)
(($(wc -l <<<"$help_options") >= 30)) || { echo "FAIL: could not read the options of --help"; exit 1; }
# The man page's option headings (MODES and OPTIONS): the line after each .TP, "\-" read as "-".
man_options=$(awk 'prev == ".TP" { print } { prev = $0 }' "$man" |
	sed 's/\\-/-/g' | grep -oE '(^|[ "(])--?[A-Za-z][A-Za-z-]*' | tr -d ' "(' | sort -u)
# The README's options table: its first column.
readme_options=$(grep -E '^\| `-' "$readme" | cut -d'|' -f2 | grep -oE '`--?[A-Za-z][A-Za-z-]*' | tr -d '`' | sort -u)
bash_options=$(sed -n "s/^_remaphore_options='\(.*\)'$/\1/p" "$bash_script" | tr ' ' '\n' | sort -u)
zsh_options=$(grep -oE "(\{-[A-Za-z]\+?,--[a-z-]+=?\}|'--[a-z-]+=?\[)" "$zsh_script" |
	grep -oE -- '--?[A-Za-z][A-Za-z-]*' | sort -u)

for where in man readme bash zsh; do
	list=${where}_options
	if [[ ${!list} != "$help_options" ]]; then
		fail "the options of $where differ from those of --help (< --help, > $where):"
		diff <(echo "$help_options") <(echo "${!list}") || true
	fi
done
((failures == 0)) || exit 1
echo "every option of --help ($(wc -l <<<"$help_options") words) is in the man page, README.md and both completions"
