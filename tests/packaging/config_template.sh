#!/usr/bin/env bash
# The config template the package installs as /etc/remaphore/remaphore.conf: as
# shipped it holds no setting and no key (remaphore refuses it, asking for a
# server); with its commented lines filled in as it says, it is a valid config.
# Usage: config_template.sh REMAPHORE_BINARY TEMPLATE
set -uo pipefail
remaphore=$1 template=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

if grep -vE '^[[:space:]]*(#|$)' "$template"; then
	echo "FAIL: the template has lines that are not comments (above)"
	exit 1
fi
cp "$template" "$work/shipped.conf"
chmod 640 "$work/shipped.conf"
out=$("$remaphore" --check-config -c "$work/shipped.conf" 2>&1)
rc=$?
if [[ $rc != 2 || $out != *server* ]]; then
	echo "FAIL: the template as shipped: exit $rc, expected 2 and a word about the server: $out"
	exit 1
fi

# Filled in: the server, destination and skew lines uncommented, a key pair from
# --keygen for the identity and the peer.
read -r pub priv _ < <("$remaphore" --keygen)
sed -E -e 's/^#(server: nats:\/\/nats1\.example\.com:4222)$/\1/' \
	-e 's/^#((destination|allow_skew|subject):.*)$/\1/' \
	-e 's/^#(\[ (Identities|Peers) \])$/\1/' \
	-e "s/^#<public key> <private key> (.*)$/$pub $priv \\1/" \
	-e "s/^#(com\\.example\\.deploy\\.1) <public key> (.*)$/\\1 $pub \\2/" \
	"$template" >"$work/filled.conf"
chmod 640 "$work/filled.conf"
if ! out=$("$remaphore" --check-config -c "$work/filled.conf" 2>&1); then
	echo "FAIL: the template filled in does not load: $out"
	exit 1
fi
for want in "server: nats://nats1.example.com:4222" "destination: com.example.web.1" "identities: 1" "peers: 1"; do
	[[ $out == *"$want"* ]] || { echo "FAIL: filled-in template: '$want' missing from: $out"; exit 1; }
done
echo "config template: empty as shipped, valid when filled in"
