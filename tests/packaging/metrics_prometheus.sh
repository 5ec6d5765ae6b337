#!/usr/bin/env bash
# A real Prometheus (Debian's package) scrapes a real listener: a private nats-server
# on loopback, a remaphore receiver serving --metrics on a loopback port, one signal
# sent to it; Prometheus, configured to scrape that port every second, must report the
# target up and the accepted message through its HTTP API. promtool checks the text
# the listener serves. Skipped (77) only when the tools are absent (tools/deps
# installs them).
# Usage: metrics_prometheus.sh REMAPHORE_BINARY
set -euo pipefail
bin=$1
for tool in prometheus promtool curl nats-server; do
	if ! command -v "$tool" >/dev/null; then
		echo "SKIP: $tool is absent (Debian packages prometheus, curl, nats-server; tools/deps installs them)"
		exit 77
	fi
done
work=$(mktemp -d)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT
cd "$work"

# Polls `cmd...` every 0.1s, at most `tries` times.
poll() {
	local tries=$1
	shift
	for _ in $(seq 1 "$tries"); do
		if "$@" >/dev/null 2>&1; then return 0; fi
		sleep 0.1
	done
	return 1
}
# A port from the ephemeral range where nothing listens now (a start that loses a race
# for it fails, and the caller tries another).
some_port() {
	local p
	while :; do
		p=$((20000 + RANDOM % 30000))
		ss -Htln "sport = :$p" | grep -q . || { echo "$p"; return; }
	done
}

nats-server -a 127.0.0.1 -p -1 >nats.log 2>&1 &
pids+=($!)
poll 100 grep -q "Listening for client connections" nats.log || { echo "FAIL: nats-server did not start"; exit 1; }
nats_port=$(sed -n 's/.*Listening for client connections on 127.0.0.1:\([0-9]*\).*/\1/p' nats.log | head -n1)
"$bin" -C | sed "s|^server: .*|server: nats://127.0.0.1:$nats_port|" >node.conf
chmod 600 node.conf

for _ in 1 2 3 4 5; do
	metrics_port=$(some_port)
	"$bin" -c node.conf -d -t 120s --metrics "127.0.0.1:$metrics_port" 2>rx.log &
	rx=$!
	if poll 100 grep -q "ready:" rx.log; then break; fi
	wait "$rx" 2>/dev/null || true
	rx=""
done
[[ -n ${rx:-} ]] || { echo "FAIL: no listener with metrics started:"; cat rx.log; exit 1; }
pids+=("$rx")
"$bin" -c node.conf -s -u scraped || { echo "FAIL: the signal was not sent"; exit 1; }
poll 100 grep -q "accepted '" rx.log || { echo "FAIL: the listener did not accept the signal:"; cat rx.log; exit 1; }

curl -sf "http://127.0.0.1:$metrics_port/metrics" >scraped.txt
if ! promtool check metrics <scraped.txt >promtool.out 2>&1; then
	echo "FAIL: promtool check metrics:"
	cat promtool.out scraped.txt
	exit 1
fi
echo "promtool check metrics: the scraped text is clean"

cat >prometheus.yml <<YAML
global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: remaphore
    static_configs:
      - targets: ['127.0.0.1:$metrics_port']
YAML
for _ in 1 2 3 4 5; do
	prom_port=$(some_port)
	prometheus --config.file=prometheus.yml --storage.tsdb.path=tsdb --web.listen-address="127.0.0.1:$prom_port" \
		--log.level=warn >prometheus.log 2>&1 &
	prom=$!
	if poll 600 curl -sf "http://127.0.0.1:$prom_port/-/ready"; then break; fi
	kill "$prom" 2>/dev/null || true
	wait "$prom" 2>/dev/null || true
	prom=""
done
[[ -n ${prom:-} ]] || { echo "FAIL: prometheus did not start:"; cat prometheus.log; exit 1; }
pids+=("$prom")

# The value of a query's first sample, as Prometheus answers it ("" while none).
query() {
	curl -sf "http://127.0.0.1:$prom_port/api/v1/query" --data-urlencode "query=$1" |
		sed -n 's/.*"value":\[[0-9.]*,"\([^"]*\)"\].*/\1/p'
}
accepted_is_one() { [[ $(query 'remaphore_messages_accepted_total{job="remaphore"}') == 1 ]]; }
if ! poll 300 accepted_is_one; then
	echo "FAIL: Prometheus did not report remaphore_messages_accepted_total 1; targets:"
	curl -s "http://127.0.0.1:$prom_port/api/v1/targets"
	cat prometheus.log
	exit 1
fi
[[ $(query 'up{job="remaphore"}') == 1 ]] || { echo "FAIL: the target is not up"; exit 1; }
[[ $(query 'remaphore_connected') == 1 ]] || { echo "FAIL: remaphore_connected is not 1"; exit 1; }
echo "prometheus: scraped the listener, remaphore_messages_accepted_total 1, up 1"
