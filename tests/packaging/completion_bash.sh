#!/usr/bin/env bash
# The bash completion script, run by bash itself: COMP_WORDS and COMP_CWORD set as
# bash sets them, the completion function called, COMPREPLY checked. The options
# must be exactly those of `remaphore --help`; verbs, destinations and keys come
# from a config this test writes with keys from `remaphore --keygen`.
# Usage: completion_bash.sh REMAPHORE_BINARY COMPLETION_SCRIPT
set -uo pipefail
remaphore=$1 script=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0

# shellcheck source=/dev/null
source "$script"

# Completes the command line "$@" (the last word is the one being typed, "" for
# a new word) and puts the candidates, one a line and sorted, in $got.
complete_line() {
	COMP_WORDS=(remaphore "$@")
	COMP_CWORD=$(($# ))
	COMP_LINE="${COMP_WORDS[*]}"
	COMP_POINT=${#COMP_LINE}
	COMPREPLY=()
	_remaphore 2>"$work/stderr"
	got=$(printf '%s\n' "${COMPREPLY[@]}" | sed '/^$/d' | sort)
	if [[ -s $work/stderr ]]; then
		echo "FAIL: completing '$*' wrote to stderr: $(cat "$work/stderr")"
		failures=$((failures + 1))
	fi
}

# expect "what" "expected candidates, space-separated" words...
expect() {
	local what=$1 want
	want=$(tr ' ' '\n' <<<"$2" | sed '/^$/d' | sort)
	shift 2
	complete_line "$@"
	if [[ $got != "$want" ]]; then
		echo "FAIL: $what: completing '$*'"
		echo "  expected: ${want//$'\n'/ }"
		echo "  got:      ${got//$'\n'/ }"
		failures=$((failures + 1))
	fi
}

# expect_has "what" "candidate" words...: the candidate is among those offered.
expect_has() {
	local what=$1 want=$2
	shift 2
	complete_line "$@"
	if ! grep -qxF -- "$want" <<<"$got"; then
		echo "FAIL: $what: completing '$*' does not offer '$want' (got: ${got//$'\n'/ })"
		failures=$((failures + 1))
	fi
}

# Every option --help lists, in its short and long form, and no other.
help_options=$("$remaphore" --help | grep -E '^ +-' | grep -oE '(^|[ ,])--?[A-Za-z][A-Za-z-]*' | tr -d ' ,' | sort -u)
[[ $(wc -l <<<"$help_options") -ge 20 ]] || { echo "FAIL: could not read the options of --help"; exit 1; }
complete_line -
dash_options=$got
complete_line --
long_options=$got
offered=$(printf '%s\n%s\n' "$dash_options" "$long_options" | sort -u)
if [[ $offered != "$help_options" ]]; then
	echo "FAIL: the options offered differ from those of --help:"
	diff <(echo "$help_options") <(echo "$offered")
	failures=$((failures + 1))
fi
expect "a long option by its start" "--timeout" --tim
# Once a mode is chosen, only the options it takes (no other mode, no -h).
expect "after -s, only what -s takes" \
	"--config --dest --pubkey --timeout --uuid --verb --subject --retain --connect-timeout --connect-retry --log-level --log-format" \
	-s --
expect "after -r, the batch options" "--batch --batch-timeout --batch-stop-on-failure --batch-sleep" -r --bat
expect "after --check-config, -c and the log options" "--config --log-level --log-format" --check-config --
expect "after -so, only -s's options" "--retain" -so --re

# Config: two identities, three peers, mixed-case verbs and a wildcard.
read -r pub1 priv1 _ < <("$remaphore" --keygen)
read -r pub2 priv2 _ < <("$remaphore" --keygen)
read -r peer1 _ < <("$remaphore" --keygen)
read -r peer2 _ < <("$remaphore" --keygen)
read -r peer3 _ < <("$remaphore" --keygen)
conf=$work/node.conf
cat >"$conf" <<CONF
server: nats://127.0.0.1:4222
Destination: com.example.web.1   # this node
[ Identities ]
$pub1 $priv1 [Ping, restart]
$pub2 $priv2 [deploy,*]
[ Peers ]
com.example.deploy.1 $peer1 [refresh, Status, stop]
com.example.web.2 $peer2 [*]
# com.example.commented $peer1 [secret]
com.example.db.1 $peer3 []
CONF
chmod 600 "$conf"
"$remaphore" --check-config -c "$conf" >/dev/null || { echo "FAIL: the test's config does not load"; exit 1; }

expect "verbs to send: [ Identities ], lower-cased, no *" "ping restart deploy" -c "$conf" -s -v ""
expect "verbs of a request" "ping restart deploy" -c "$conf" -r -v ""
expect "verbs to receive: [ Peers ]" "refresh status stop" -c "$conf" -v ""
expect "verbs by their start" "restart" -c "$conf" -s -v re
expect "the last verb of a receiver's list" "status,refresh" -c "$conf" -v status,r
expect "no verb twice in a list" "refresh,status refresh,stop" -c "$conf" -v refresh,
expect "no verb twice, further on" "refresh,stop,status" -c "$conf" -v refresh,stop,
expect "a sender takes one verb: no list" "" -c "$conf" -s -v ping,
REMAPHORE_CONFIG=$conf expect "REMAPHORE_CONFIG when there is no -c" "ping restart deploy" -s -v ""
expect "verbs with --verb=" "ping restart deploy" -c "$conf" -s --verb = ""
expect "destinations to send to: [ Peers ]" "com.example.deploy.1 com.example.web.2 com.example.db.1" \
	-c "$conf" -s -D ""
expect "destinations by their start" "com.example.web.2" -c "$conf" -s --dest com.example.w
expect "a receiver's -D: its own destination and the peers'" \
	"com.example.web.1 com.example.deploy.1 com.example.web.2 com.example.db.1" -c "$conf" -D ""
expect "--config=FILE then -D" "com.example.deploy.1 com.example.web.2 com.example.db.1" \
	--config = "$conf" -so -D ""
expect "-cFILE then --dest=" "com.example.deploy.1 com.example.web.2 com.example.db.1" "-c$conf" -s --dest = ""
expect "keys to sign with" "$pub1 $pub2" -c "$conf" -s -p ""
expect "senders to accept" "$peer1 $peer2 $peer3" -c "$conf" -p ""
expect "no config readable: no verbs" "" -c "$work/missing.conf" -s -v ""
expect "a directory as config: no destinations" "" -c "$work" -s -D ""

expect "durations for -t, with 0" "0 10s 30s 1m 5m 10m 30m 1h 12h 24h" -t ""
expect "durations for --since, without 0" "10s 30s 1m 5m 10m 30m 1h 12h 24h" --since ""
expect "units after a number" "90ms 90s 90m 90h" --timeout 90
expect "units after a number, -t=" "1h5ms 1h5s 1h5m 1h5h" -s -t = 1h5
expect "units after --connect-timeout=N unsplit" "--connect-timeout=2ms --connect-timeout=2s --connect-timeout=2m --connect-timeout=2h" \
	--connect-timeout=2
expect "log levels" "error warn info debug" --log-level ""
expect "log formats" "text json" --log-format ""
expect "a value that takes no completion" "" -u ""

# After the options: the receiver's command is not read as remaphore's options.
expect "no options inside a payload" "" -c "$conf" -s hello -
expect "no options after --" "" -c "$conf" -s -- -
expect_has "a command after the options" "true" -c "$conf" -o tru
expect_has "a command's own words" "$work/node.conf" -c "$conf" -o cat "$work/no"

# With the bash-completion package loaded, the command is completed by its own rules.
bash_completion=/usr/share/bash-completion/bash_completion
if [[ -r $bash_completion ]]; then
	set +u
	# shellcheck source=/dev/null
	source "$bash_completion"
	# shellcheck source=/dev/null
	source "$script"
	expect_has "a command after the options (bash-completion)" "true" -c "$conf" -o tru
	expect_has "a command's own words (bash-completion)" "$work/node.conf" -c "$conf" -o cat "$work/no"
	expect "verbs, with bash-completion loaded" "ping restart deploy" -c "$conf" -s -v ""
	set -u
else
	echo "note: $bash_completion is absent: completion checked without it only"
fi

if ((failures)); then
	echo "$failures check(s) failed"
	exit 1
fi
echo "bash completion: all checks passed"
