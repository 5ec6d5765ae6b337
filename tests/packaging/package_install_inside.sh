#!/usr/bin/env bash
# The part of package_install.sh that runs inside the overlay (chroot): dpkg
# install, upgrade and purge of /tmp/remaphore-test/*.deb, and checks after each.
set -uo pipefail
cd /tmp/remaphore-test || exit 1
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
# expect_stat PATH "owner:group mode"
expect_stat() {
	local got
	got=$(stat -c '%U:%G %a' "$1" 2>&1)
	[[ $got == "$2" ]] || fail "$1 is '$got', expected '$2'"
}
export DEBIAN_FRONTEND=noninteractive

if getent passwd remaphore >/dev/null; then
	echo "note: this system already has a remaphore user; checking the package with it"
fi
dpkg -i first.deb >dpkg.log 2>&1 || { cat dpkg.log; echo "FAIL: dpkg -i"; exit 1; }
getent group remaphore >/dev/null || fail "no group remaphore"
user=$(getent passwd remaphore) || fail "no user remaphore"
IFS=: read -r _ _ uid _ _ home shell <<<"$user"
((uid < 1000)) || fail "remaphore is not a system user (uid $uid)"
[[ $home == /var/lib/remaphore && $shell == /usr/sbin/nologin ]] || fail "remaphore user: $user"
[[ $(id -gn remaphore) == remaphore ]] || fail "remaphore's group is $(id -gn remaphore)"
expect_stat /etc/remaphore "root:remaphore 750"
expect_stat /etc/remaphore/listen "root:remaphore 750"
expect_stat /etc/remaphore/remaphore.conf "root:remaphore 640"
expect_stat /var/lib/remaphore "remaphore:remaphore 2770"
/usr/bin/remaphore --version >/dev/null || fail "the installed remaphore does not run"

# The installed unit, an instance with a listener file: as systemd will load it.
cp /usr/share/doc/remaphore/examples/listen/web.conf /etc/remaphore/listen/web.conf
if command -v systemd-analyze >/dev/null; then
	if ! out=$(systemd-analyze verify remaphore-listen@web.service 2>&1) || [[ -n $out ]]; then
		fail "systemd-analyze verify remaphore-listen@web.service: $out"
	fi
else
	echo "note: systemd-analyze is absent: the installed unit is not verified"
fi

# The admin's changes: a config of their own, a stricter folder, a listener file.
printf 'server: nats://nats.example.com:4222\n# mine\n' >/etc/remaphore/remaphore.conf
chmod 0700 /etc/remaphore
echo 'REMAPHORE_ARGS=-v mine /bin/true' >/etc/remaphore/listen/web.conf
config_sum=$(md5sum </etc/remaphore/remaphore.conf)
listener_sum=$(md5sum </etc/remaphore/listen/web.conf)

dpkg -i --force-confdef --force-confold next.deb >dpkg.log 2>&1 || { cat dpkg.log; echo "FAIL: upgrade"; exit 1; }
[[ $(dpkg-query -W -f='${Version}' remaphore) == *+next1 ]] || fail "the upgrade did not happen"
[[ $(md5sum </etc/remaphore/remaphore.conf) == "$config_sum" ]] || fail "the upgrade changed the admin's config"
[[ -f /etc/remaphore/remaphore.conf.dpkg-dist ]] || fail "the new template is not beside it (.dpkg-dist)"
[[ $(md5sum </etc/remaphore/listen/web.conf) == "$listener_sum" ]] || fail "the upgrade changed a listener file"
expect_stat /etc/remaphore "root:remaphore 700"
expect_stat /etc/remaphore/remaphore.conf "root:remaphore 640"

dpkg --purge remaphore >dpkg.log 2>&1 || { cat dpkg.log; echo "FAIL: purge"; exit 1; }
[[ ! -e /var/lib/remaphore ]] || fail "purge left /var/lib/remaphore"
[[ ! -e /etc/remaphore/remaphore.conf ]] || fail "purge left the conffile"
[[ ! -e /usr/bin/remaphore ]] || fail "purge left the binary"
[[ -f /etc/remaphore/listen/web.conf ]] || fail "purge removed the admin's listener file"
getent passwd remaphore >/dev/null || fail "purge removed the remaphore user"

((failures == 0)) || exit 1
echo "package install, upgrade and purge: as expected"
