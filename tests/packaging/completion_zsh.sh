#!/usr/bin/env bash
# The zsh completion script, checked with zsh: it parses, compinit picks it up for
# remaphore, its _arguments specs hold every option of `remaphore --help` (both
# names, a value where --help shows one), its config reader gives the verbs,
# destinations and keys of a config this test writes, and Tab in an interactive zsh
# (in tmux) shows durations, verbs, destinations and log levels.
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
com.example.deploy.1 $peer [Refresh, status]
CONF
# The script ends by calling _remaphore, which only works inside completion:
# everything before that line defines the functions.
sed '/^_remaphore "\$@"$/d' "$script" >"$work/functions.zsh"
words() {
	zsh -f -c 'source "$1" && _remaphore_config_words "$2" "$3" | tr "\n" " "' zsh "$work/functions.zsh" \
		"$work/node.conf" "$1"
}
[[ $(words identity-verbs) == "ping restart " ]] || fail "identity verbs: '$(words identity-verbs)'"
[[ $(words peer-verbs) == "refresh status " ]] || fail "peer verbs: '$(words peer-verbs)'"
[[ $(words peer-destinations) == "com.example.deploy.1 " ]] || fail "peer destinations: '$(words peer-destinations)'"
[[ $(words destination) == "com.example.web.1 " ]] || fail "own destination: '$(words destination)'"
[[ $(words identity-keys) == "$pub " ]] || fail "identity keys: '$(words identity-keys)'"
[[ $(words peer-keys) == "$peer " ]] || fail "peer keys: '$(words peer-keys)'"

# Completion as a user gets it: an interactive zsh in a terminal (tmux), a line
# typed, Tab pressed, and what the screen then shows.
if command -v tmux >/dev/null; then
	cat >"$work/.zshrc" <<ZSHRC
fpath=($work/fpath \$fpath)
path=($(dirname "$(realpath "$remaphore")") \$path)
autoload -Uz compinit && compinit -u -D
PS1='%# '
ZSHRC
	sock=$work/tmux.sock
	tmux -S "$sock" new-session -d -x 200 -y 50 "cd $work && ZDOTDIR=$work HOME=$work zsh -i"
	trap 'tmux -S "$sock" kill-server 2>/dev/null; rm -rf "$work"' EXIT
	for _ in $(seq 1 50); do
		[[ -n $(tmux -S "$sock" capture-pane -p | tr -d '[:space:]') ]] && break  # the prompt
		sleep 0.1
	done
	# Types $1, presses Tab, and waits (bounded) until every later argument is on screen.
	shows() {
		local line=$1 screen="" want ok
		shift
		tmux -S "$sock" send-keys C-u C-l  # an empty line on a clear screen
		sleep 0.2
		tmux -S "$sock" send-keys "$line" Tab
		for _ in $(seq 1 50); do
			screen=$(tmux -S "$sock" capture-pane -p)
			ok=1
			for want in "$@"; do grep -qF -- "$want" <<<"$screen" || ok=0; done
			((ok)) && return 0
			sleep 0.1
		done
		fail "Tab after '$line' does not show: $* (the screen: $(tr -s '\n' ' ' <<<"$screen"))"
	}
	shows "remaphore -c node.conf -t " 10s 30m 24h
	shows "remaphore -c node.conf -s -v " ping restart
	# A verb already in a receiver's -v list is not offered again: of refresh and status
	# only status is left, so zsh completes it in place (it would list both otherwise).
	shows "remaphore -c node.conf -v refresh," "-v refresh,status"
	# A sender takes one verb: after a comma nothing is offered (a control shows the
	# screen would have changed in that time: Tab after -v alone lists the verbs).
	shows "remaphore -c node.conf -s -v " restart
	tmux -S "$sock" send-keys C-u C-l
	sleep 0.2
	tmux -S "$sock" send-keys "remaphore -c node.conf -s -v ping," Tab
	sleep 1
	screen=$(tmux -S "$sock" capture-pane -p)
	if grep -q restart <<<"$screen"; then fail "a sender's -v list was offered a second verb: $screen"; fi
	shows "remaphore -c node.conf -D com.example." com.example.web.1 com.example.deploy.1
	shows "remaphore -c node.conf --log-level " error debug
	shows "remaphore -c node.conf -s -D com.example.de" "-D com.example.deploy.1"
	# After -s only what -s takes: of --request, --require-all and --retain, --retain.
	shows "remaphore -c node.conf -s --re" "-s --retain"
else
	echo "tmux is absent (Debian package tmux): completion not tried in a terminal"
fi

((failures == 0)) || exit 1
echo "zsh completion: all checks passed"
