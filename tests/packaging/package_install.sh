#!/usr/bin/env bash
# Installs the .deb for real, with dpkg and its maintainer scripts, into a
# throw-away overlay of this very system (a private mount namespace; nothing of it
# reaches the host), then:
#   - the remaphore system user and group exist; /etc/remaphore and its config are
#     root:remaphore 0750 / 0640; /var/lib/remaphore is the group's;
#   - systemd-analyze verify passes on the installed unit with a listener file;
#   - an upgrade to a package with a changed template keeps everything the admin
#     changed (config text, owner and mode, listener files);
#   - a purge removes the replay record and the conffile, keeps the admin's
#     listener file and the user.
# Usage: package_install.sh DEB_PATH_FILE
set -euo pipefail
[[ -s $1 ]] || { echo "SKIP: no package was built (see package_build)"; exit 77; }
deb=$(cat "$1")
if [[ $(id -u) != 0 ]]; then
	echo "SKIP: installing the package in an overlay needs root"
	exit 77
fi
for tool in unshare chroot dpkg-deb; do
	command -v "$tool" >/dev/null || { echo "SKIP: $tool is absent"; exit 77; }
done
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work"/{upper,overlay-work,root}
if ! unshare --mount true 2>/dev/null; then
	echo "SKIP: cannot make a mount namespace here (unshare --mount failed)"
	exit 77
fi

# The upgrade: the same package as a newer version whose config template changed.
dpkg-deb -R "$deb" "$work/next"
sed -i 's/^Version: .*/&+next1/' "$work/next/DEBIAN/control"
echo "# a line the next version adds" >>"$work/next/etc/remaphore/remaphore.conf"
(cd "$work/next" && find . -path ./DEBIAN -prune -o -type f -printf '%P\0' | xargs -0 md5sum >DEBIAN/md5sums)
dpkg-deb -b "$work/next" "$work/next.deb" >/dev/null

mkdir -p "$work/upper/tmp/remaphore-test"
cp "$deb" "$work/upper/tmp/remaphore-test/first.deb"
cp "$work/next.deb" "$work/upper/tmp/remaphore-test/next.deb"
cp "$(dirname "$0")/package_install_inside.sh" "$work/upper/tmp/remaphore-test/inside.sh"

# shellcheck disable=SC2016
unshare --mount --propagation private bash -euc '
	w=$1
	if ! mount -t overlay overlay -o "lowerdir=/,upperdir=$w/upper,workdir=$w/overlay-work" "$w/root" 2>/dev/null; then
		echo "SKIP: cannot mount an overlay of / here"
		exit 77
	fi
	mount --rbind /dev "$w/root/dev"
	mount -t proc proc "$w/root/proc"
	mount -t tmpfs tmpfs "$w/root/run"
	chroot "$w/root" bash /tmp/remaphore-test/inside.sh
' bash "$work"
