#!/usr/bin/env bash
# The zsh completion script, checked with zsh: it parses, compinit picks it up for
# remaphore, its _arguments specs hold every option of `remaphore --help` (both
# names, a value where --help shows one), and its config reader gives the verbs,
# destinations and keys of a config this test writes.
# Usage: completion_zsh.sh REMAPHORE_BINARY COMPLETION_SCRIPT
set -uo pipefail
remaphore=$1 script=$2
if ! command -v zsh >/dev/null; then
	echo "SKIP: zsh is absent (Debian package zsh; tools/deps installs it)"
	exit 77
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

zsh -n "$script" || fail "zsh cannot parse $script"
mkdir "$work/fpath"
cp "$script" "$work/fpath/_remaphore"
registered=$(cd "$work" && HOME=$work zsh -f -c 'fpath=(fpath $fpath); autoload -Uz compinit; compinit -u -D; print -r -- $_comps[remaphore]')
[[ $registered == _remaphore ]] || fail "compinit does not use _remaphore for remaphore (got '$registered')"

# Each option line of --help: its names, and whether it takes a value.
while read -r line; do
	short=$(grep -oE '^-[A-Za-z],' <<<"$line" | tr -d ,)
	long=$(grep -oE -- '--[a-z][a-z-]*' <<<"$line" | head -n 1)
	value=$(sed -E 's/^(-[A-Za-z], )?--[a-z-]+ ?//' <<<"$line" | grep -oE '^[A-Z][^ ]*' || true)
	if [[ -n $value ]]; then
		if [[ -n $short ]]; then
			grep -qF -- "{$short+,$long=}'[" "$script" || fail "$short/$long (takes $value) has no spec with a value"
		else
			grep -qF -- "'$long=[" "$script" || fail "$long (takes $value) has no spec with a value"
		fi
	else
		if [[ -n $short ]]; then
			grep -qF -- "{$short,$long}'[" "$script" || fail "$short/$long has no spec"
		else
			grep -qF -- "'${long}[" "$script" || fail "$long has no spec"
		fi
	fi
done < <("$remaphore" --help | grep -E '^ +-' | sed -E 's/^ +//; s/   .*//')

read -r pub priv _ < <("$remaphore" --keygen)
read -r peer _ < <("$remaphore" --keygen)
cat >"$work/node.conf" <<CONF
server: nats://127.0.0.1:4222
destination: com.example.web.1
[ Identities ]
$pub $priv [Ping, restart,*]
[ Peers ]
com.example.deploy.1 $peer [Refresh]
CONF
# The script ends by calling _remaphore, which only works inside completion:
# everything before that line defines the functions.
sed '/^_remaphore "\$@"$/d' "$script" >"$work/functions.zsh"
words() {
	zsh -f -c 'source "$1" && _remaphore_config_words "$2" "$3" | tr "\n" " "' zsh "$work/functions.zsh" \
		"$work/node.conf" "$1"
}
[[ $(words identity-verbs) == "ping restart " ]] || fail "identity verbs: '$(words identity-verbs)'"
[[ $(words peer-verbs) == "refresh " ]] || fail "peer verbs: '$(words peer-verbs)'"
[[ $(words peer-destinations) == "com.example.deploy.1 " ]] || fail "peer destinations: '$(words peer-destinations)'"
[[ $(words destination) == "com.example.web.1 " ]] || fail "own destination: '$(words destination)'"
[[ $(words identity-keys) == "$pub " ]] || fail "identity keys: '$(words identity-keys)'"
[[ $(words peer-keys) == "$peer " ]] || fail "peer keys: '$(words peer-keys)'"

((failures == 0)) || exit 1
echo "zsh completion: all checks passed"
