#!/usr/bin/env bash
# The shipped ways to let a listener restart a service, checked with the real tools:
# the polkit rule is run by duktape (the JavaScript engine polkitd itself embeds on
# Debian 12) against a stand-in for polkit's API, and must allow exactly a restart of
# a named unit by the user remaphore; the sudoers drop-in passes `visudo -c`; the
# unit drop-in that sudo needs passes `systemd-analyze verify` with the unit.
# Usage: privilege_examples.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
build=$1 src=$2
examples=$src/packaging/examples
for tool in duk visudo systemd-analyze; do
	if ! command -v "$tool" >/dev/null; then
		echo "SKIP: $tool is absent (Debian packages duktape, sudo, systemd; tools/deps installs them)"
		exit 77
	fi
done
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

# polkit's API as a rule sees it: polkit.addRule, polkit.Result, action.lookup.
cat >"$work/before.js" <<'JS'
var rules = [];
var polkit = {
  Result: { NO: "no", YES: "yes", AUTH_SELF: "auth_self", AUTH_ADMIN: "auth_admin", NOT_HANDLED: null },
  addRule: function (f) { rules.push(f); },
  log: function () {}
};
JS
cat >"$work/after.js" <<'JS'
function decide(id, verb, unit, user) {
  var action = { id: id, lookup: function (k) { return { verb: verb, unit: unit }[k]; } };
  var subject = { user: user };
  for (var i = 0; i < rules.length; i++) {
    var r = rules[i](action, subject);
    if (r !== null && r !== undefined) return r;
  }
  return "not handled";
}
var m = "org.freedesktop.systemd1.manage-units";
print("restart nginx by remaphore: " + decide(m, "restart", "nginx.service", "remaphore"));
print("stop nginx by remaphore: " + decide(m, "stop", "nginx.service", "remaphore"));
print("restart ssh by remaphore: " + decide(m, "restart", "ssh.service", "remaphore"));
print("restart nginx by www-data: " + decide(m, "restart", "nginx.service", "www-data"));
print("other action by remaphore: " + decide("org.freedesktop.login1.reboot", "restart", "nginx.service", "remaphore"));
JS
rule=$examples/polkit/50-remaphore-restart.rules
if out=$(duk "$work/before.js" "$rule" "$work/after.js" 2>&1); then
	expected="restart nginx by remaphore: yes
stop nginx by remaphore: not handled
restart ssh by remaphore: not handled
restart nginx by www-data: not handled
other action by remaphore: not handled"
	[[ $out == "$expected" ]] || fail "the polkit rule decides otherwise:
$out"
else
	fail "duktape cannot run the polkit rule: $out"
fi

# sudoers: syntax, as sudo reads it (visudo checks the file alone).
cp "$examples/sudo/remaphore.sudoers" "$work/remaphore"
chmod 0440 "$work/remaphore"
visudo -c -q -f "$work/remaphore" >"$work/visudo.out" 2>&1 || fail "visudo -c: $(cat "$work/visudo.out")"
grep -q '^remaphore ALL=(root) NOPASSWD: /usr/bin/systemctl restart nginx.service$' "$work/remaphore" ||
	fail "the sudoers example does not grant the one command"

# The unit with the sudo drop-in, as systemd would load it.
stage=$work/stage
DESTDIR=$stage cmake --install "$build" >/dev/null
prefix=$(sed -n 's/^CMAKE_INSTALL_PREFIX:PATH=//p' "$build/CMakeCache.txt")
installed=$(find "$stage" -name 'remaphore-listen@.service')
units=$work/units
mkdir -p "$units/remaphore-listen@restart-nginx.service.d" "$work/etc/listen"
sed -e "s|$prefix/bin/remaphore|$stage$prefix/bin/remaphore|g" -e "s|/etc/remaphore/|$work/etc/|g" \
	"$installed" >"$units/remaphore-listen@.service"
ln -s remaphore-listen@.service "$units/remaphore-listen@restart-nginx.service"
cp "$examples/listen/restart-nginx.conf" "$work/etc/listen/restart-nginx.conf"
cp "$examples/sudo/unit-sudo.conf" "$units/remaphore-listen@restart-nginx.service.d/sudo.conf"
if ! out=$(MANPATH=$stage$prefix/share/man systemd-analyze verify "$units/remaphore-listen@restart-nginx.service" 2>&1) ||
	[[ -n $out ]]; then
	fail "systemd-analyze verify with the sudo drop-in: $out"
fi

((failures == 0)) || exit 1
echo "privilege examples: the polkit rule allows only the restart, sudoers and the drop-in are valid"
