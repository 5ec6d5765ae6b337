# shellcheck shell=bash
# Sourced by the benchmarks in tools/bench (from the top of the tree): the floor
# programs, a private nats-server, the machine's speed and the figures' records.

# The floors and machine_speed, compiled into DIR (again only when a source is newer).
# They link glibc shared, as remaphore does, and nothing else but libsodium where they
# sign or verify.
bench_floors() {
  local dir=$1 p libs
  mkdir -p "$dir"
  for p in floor_send floor_wait floor_drain floor_fleet machine_speed; do
    if [ "$dir/$p" -nt "tools/bench/$p.c" ] && [ "$dir/$p" -nt tools/bench/floor_wire.h ]; then continue; fi
    libs=()
    case $p in floor_fleet) libs=(-pthread -lsodium) ;; machine_speed) libs=(-lsodium) ;; esac
    cc -O2 -g -std=c11 -Wall -Wextra -Werror -o "$dir/$p" "tools/bench/$p.c" "${libs[@]}"
  done
}

# Configures BUILD as the benchmarks measure it, whatever it was configured as before
# (a build folder keeps its settings: one configured as the package, with shared
# libraries and Debian's flags, starts and waits as another program), and builds
# TARGETS in it: a build from source, static libraries, plain flags, no sanitizers.
bench_build() {
  local build=$1
  shift
  cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS= -DCMAKE_EXE_LINKER_FLAGS= \
    -DREMAPHORE_STATIC_LIBS=ON -DREMAPHORE_PIE=OFF -DREMAPHORE_SANITIZE=OFF -DREMAPHORE_FUZZ=OFF >/dev/null
  cmake --build "$build" --target "$@" -j "$(nproc)" >/dev/null
}

# Starts a private nats-server on a free loopback port, in the current directory (its
# log is server.log), with the command prefix in "$@" (e.g. chrt -f 1). Sets `server`
# (its PID, for the caller's trap to stop), `port` and `url`.
bench_server() {
  "$@" nats-server -a 127.0.0.1 -p -1 >server.log 2>&1 &
  server=$!
  port=""
  local _
  for _ in $(seq 1 200); do  # bounded: 10 s
    port=$(sed -n 's/.*Listening for client connections on 127.0.0.1:\([0-9]*\).*/\1/p' server.log | head -n1)
    [ -n "$port" ] && break
    kill -0 "$server" 2>/dev/null || break
    sleep 0.05
  done
  [ -n "$port" ] || { cat server.log >&2; echo "nats-server did not start" >&2; exit 3; }
  # shellcheck disable=SC2034 # for the caller
  url=nats://127.0.0.1:$port
}

# Where this benchmark's figures go: $BENCH_RESULTS when tools/bench/all set it (one
# file for the whole run), else BUILD/bench/NAME.jsonl, started afresh.
bench_results() {
  local name=$1 build=$2
  if [ -z "${BENCH_RESULTS:-}" ]; then
    mkdir -p "$build/bench"
    BENCH_RESULTS=$(realpath "$build/bench")/$name.jsonl
    : >"$BENCH_RESULTS"
  fi
  export BENCH_RESULTS
  FIGURES=$(realpath tools/bench/figures.py)
}

# Prints and records the machine's speed (tools/bench/machine_speed) for benchmark NAME.
bench_machine() {
  python3 "$FIGURES" machine "$1" "$("$2/machine_speed")"
}
