#!/usr/bin/env bash
# What the .deb holds, read with dpkg-deb: the files an admin expects, the config
# template as the only conffile and without any key, a maintainer who can be
# written to, and a changelog whose newest entry is this version.
# Usage: package_contents.sh DEB_PATH_FILE
set -euo pipefail
[[ -s $1 ]] || { echo "SKIP: no package was built (see package_build)"; exit 77; }
deb=$(cat "$1")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

dpkg-deb -x "$deb" "$work/root"
dpkg-deb -e "$deb" "$work/control"
for path in /usr/bin/remaphore /usr/share/man/man1/remaphore.1.gz \
	/lib/systemd/system/remaphore-listen@.service /usr/lib/sysusers.d/remaphore.conf \
	/usr/share/bash-completion/completions/remaphore /usr/share/zsh/vendor-completions/_remaphore \
	/usr/share/doc/remaphore/copyright /usr/share/doc/remaphore/changelog.gz \
	/usr/share/doc/remaphore/examples/remaphore.conf /usr/share/doc/remaphore/examples/listen/web.conf \
	/etc/remaphore/remaphore.conf; do
	[[ -f $work/root$path ]] || fail "$path is missing"
done
[[ -d $work/root/etc/remaphore/listen ]] || fail "/etc/remaphore/listen is missing"

[[ $(cat "$work/control/conffiles") == /etc/remaphore/remaphore.conf ]] ||
	fail "conffiles: expected /etc/remaphore/remaphore.conf, got: $(cat "$work/control/conffiles")"
if grep -vE '^[[:space:]]*(#|$)' "$work/root/etc/remaphore/remaphore.conf"; then
	fail "the shipped config has settings (above): it must be a commented template"
fi
# A base58 private key is 87 or 88 characters; nothing shipped as text may hold one.
if grep -rIlE '(^|[^1-9A-HJ-NP-Za-km-z])[1-9A-HJ-NP-Za-km-z]{86,88}([^1-9A-HJ-NP-Za-km-z]|$)' "$work/root"; then
	fail "the files above hold something that looks like a private key"
fi

maintainer=$(sed -n 's/^Maintainer: //p' "$work/control/control")
[[ $maintainer == *"<"*@*.*">" && $maintainer != *localhost* ]] || fail "Maintainer '$maintainer' is no address"
version=$(sed -n 's/^Version: //p' "$work/control/control")
changelog_version=$(zcat "$work/root/usr/share/doc/remaphore/changelog.gz" | sed -n '1s/^remaphore (\([^)]*\)).*/\1/p')
[[ $changelog_version == "$version" ]] ||
	fail "changelog's newest entry is $changelog_version, the package is $version (packaging/debian/changelog)"
grep -q '^Depends:.*adduser' "$work/control/control" || fail "Depends lacks adduser (postinst uses it)"

unit=$work/root/lib/systemd/system/remaphore-listen@.service
# shellcheck disable=SC2016 # the unit's own variables, expanded by the shell it starts
want='ExecStart=/bin/sh -c '"'"'eval "exec /usr/bin/remaphore $$REMAPHORE_ARGS"'"'"
grep -qxF "$want" "$unit" ||
	fail "the unit does not run /usr/bin/remaphore: $(grep ExecStart "$unit")"

((failures == 0)) || exit 1
echo "package contents: as expected ($version)"
