#!/usr/bin/env bash
# remaphore-listen@.service as `cmake --install` installs it, checked by systemd's
# own tools: `systemd-analyze verify` on an instance whose listener file is the
# shipped example (the unit, its command, its man page), `systemd-analyze
# security` for the exposure the hardening leaves, and systemd-sysusers creating
# the unit's user and group from the installed sysusers.d file.
# Usage: systemd_unit.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
build=$1
if ! command -v systemd-analyze >/dev/null; then
	echo "SKIP: systemd-analyze is absent (Debian package systemd; tools/deps installs it)"
	exit 77
fi
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
DESTDIR=$stage cmake --install "$build" >/dev/null

prefix=$(sed -n 's/^CMAKE_INSTALL_PREFIX:PATH=//p' "$build/CMakeCache.txt")
installed=$(find "$stage" -name 'remaphore-listen@.service')
[[ -n $installed ]] || { echo "FAIL: cmake --install did not install remaphore-listen@.service"; exit 1; }
exec_start=$(sed -n 's/^ExecStart=//p' "$installed")
[[ $exec_start == *"$prefix/bin/remaphore"* ]] || { echo "FAIL: ExecStart does not name $prefix/bin/remaphore"; exit 1; }

# The listener file of instance "web": the shipped example.
cp "$stage$prefix/share/doc/remaphore/examples/listen/web.conf" "$stage/etc/remaphore/listen/web.conf"

# The unit as installed, with the paths it names moved into the staging directory,
# since nothing is installed on this system itself.
units=$stage/units
mkdir -p "$units"
sed -e "s|$prefix/bin/remaphore|$stage$prefix/bin/remaphore|g" -e "s|/etc/remaphore/|$stage/etc/remaphore/|g" \
	"$installed" >"$units/remaphore-listen@.service"
ln -s remaphore-listen@.service "$units/remaphore-listen@web.service"
grep -q "EnvironmentFile=$stage/etc/remaphore/listen/%i.conf" "$units/remaphore-listen@.service"
[[ -f $stage/etc/remaphore/listen/web.conf ]]

# verify also runs `man remaphore(1)` for Documentation=: the installed page.
if ! out=$(MANPATH=$stage$prefix/share/man systemd-analyze verify "$units/remaphore-listen@web.service" 2>&1) ||
	[[ -n $out ]]; then
	echo "FAIL: systemd-analyze verify:"
	echo "$out"
	exit 1
fi
echo "systemd-analyze verify: remaphore-listen@web.service is clean"

# The command line ExecStart expands to, as systemd runs it: the line split into words
# at white space outside quotes, "$$" made "$", the listener file's variables in the
# environment (systemd reads NAME="value" as a shell does, quotes removed), and the
# binary replaced by one that prints its arguments, one a line.
# run_exec_start VALUE: what the stub prints when REMAPHORE_ARGS is VALUE.
run_exec_start() {
	local -a words
	local stub=$stage/print-args
	printf '#!/bin/sh\nprintf "%%s\\n" "$@"\n' >"$stub"
	chmod +x "$stub"
	eval "words=($exec_start)"
	words=("${words[@]//\$\$/\$}")
	words=("${words[@]//$prefix\/bin\/remaphore/$stub}")
	env -i PATH=/usr/bin:/bin REMAPHORE_ARGS="$1" "${words[@]}"
}
# The value of REMAPHORE_ARGS in a listener file, read as the shell (and systemd) reads it.
# shellcheck source=/dev/null
args_of() { (set -a && . "$1" && printf '%s' "$REMAPHORE_ARGS"); }
want_web=$'-v\nrefresh\n/usr/local/bin/refresh-web-content'
got=$(run_exec_start "$(args_of "$stage/etc/remaphore/listen/web.conf")")
[[ $got == "$want_web" ]] || { echo "FAIL: web.conf expands to:"; echo "$got"; exit 1; }
restart_nginx="$stage$prefix/share/doc/remaphore/examples/listen/restart-nginx.conf"
want_restart=$'-v\nrestart\n--\nsh\n-c\nexec systemctl restart nginx.service\nrestart-nginx'
got=$(run_exec_start "$(args_of "$restart_nginx")")
[[ $got == "$want_restart" ]] || { echo "FAIL: restart-nginx.conf expands to:"; echo "$got"; exit 1; }
# A file in the former form (words without quotes, which systemd reads whole) means
# what it meant.
got=$(run_exec_start "-v refresh /usr/local/bin/refresh-web-content")
[[ $got == "$want_web" ]] || { echo "FAIL: a former listener file expands to:"; echo "$got"; exit 1; }
cp "$restart_nginx" "$stage/etc/remaphore/listen/restart-nginx.conf"
ln -s remaphore-listen@.service "$units/remaphore-listen@restart-nginx.service"
if ! out=$(MANPATH=$stage$prefix/share/man systemd-analyze verify "$units/remaphore-listen@restart-nginx.service" 2>&1) ||
	[[ -n $out ]]; then
	echo "FAIL: systemd-analyze verify remaphore-listen@restart-nginx.service:"
	echo "$out"
	exit 1
fi
echo "ExecStart: the listener files expand to the command lines they mean, quoted words kept whole"

# Exposure, 0 (locked down) to 10: a network tool that runs commands should stay
# well below "OK" (< 2).
security=$(systemd-analyze security --offline=true "$units/remaphore-listen@web.service" 2>&1 || true)
level=$(sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p' <<<"$security")
[[ -n $level ]] || { echo "FAIL: no exposure level from systemd-analyze security:"; echo "$security"; exit 1; }
echo "systemd-analyze security: exposure $level"
if ! awk -v l="$level" 'BEGIN { exit !(l < 2.0) }'; then
	echo "FAIL: exposure $level is 2.0 or more:"
	grep '✗' <<<"$security"
	exit 1
fi

# The user and group the unit runs as, from the installed sysusers.d file, in an
# empty root of its own.
if command -v systemd-sysusers >/dev/null; then
	mkdir -p "$stage/sysroot/etc"
	: >"$stage/sysroot/etc/passwd"
	: >"$stage/sysroot/etc/group"
	systemd-sysusers --root="$stage/sysroot" "$(find "$stage" -path '*/sysusers.d/remaphore.conf')" >/dev/null 2>&1
	grep -q '^remaphore:x:[0-9]*:[0-9]*:[^:]*:/var/lib/remaphore:/usr/sbin/nologin$' "$stage/sysroot/etc/passwd" ||
		{ echo "FAIL: systemd-sysusers made no remaphore user: $(cat "$stage/sysroot/etc/passwd")"; exit 1; }
	grep -q '^remaphore:x:' "$stage/sysroot/etc/group" || { echo "FAIL: systemd-sysusers made no remaphore group"; exit 1; }
	echo "systemd-sysusers: creates the remaphore user and group"
else
	echo "note: systemd-sysusers is absent: the sysusers.d file is not checked"
fi
