#!/usr/bin/env bash
# Alternating A/B of one stream: two PipesFS trees (A and B, each a checkout with its own
# ./pipesfs) mount the same 1 GB replay in turn, N cats read root all, and each pair prints
# both aggregate throughputs and the server's CPU seconds per GB delivered (user + system,
# which the guest's steal time moves less than wall time). Run as root after run.sh made its
# inputs:
#   A=/path/to/old B=/path/to/new R=8 N=1 SETTLE=0.4 bash examples/bench/ab-stream.sh
set -uo pipefail
R="${R:-8}"; N="${N:-1}"; SETTLE="${SETTLE:-0.4}"
LOOP="${LOOP:-7}"
F="${BENCH_DIR:-/dev/shm/pipesfs-bench}/frames1500-100000.pcap"; BYTES=$((100000 * 1500 * LOOP))
[ -s "$F" ] || { echo "run examples/bench/run.sh once first (ONLY_INPUTS=1 is enough)" >&2; exit 1; }
one() {
  local tree=$1 dir pid c0 c1 t0 t1 log readers=()
  dir=$(mktemp -d); log=$(mktemp -u /tmp/ab-stream-XXXX.log)
  "$tree/pipesfs" mount --paused --source "pcap:$F:loop=$LOOP" --log "$log" "$dir"
  pid=$(pgrep -f -- "--log $log" | tail -1)
  for _ in $(seq "$N"); do cat "$dir/all" > /dev/null & readers+=($!); done
  for _ in $(seq 3000); do [ "$(awk '$1 == "readers" {print $2}' "$dir/.stats")" = "$N" ] && break; sleep 0.01; done
  sleep "$SETTLE"
  c0=$(awk '{print $14 + $15}' "/proc/$pid/stat"); t0=$(date +%s.%N)
  echo start > "$dir/.ctl"; wait "${readers[@]}"
  t1=$(date +%s.%N); c1=$(awk '{print $14 + $15}' "/proc/$pid/stat")
  fusermount -u "$dir"; sleep 0.5; rmdir "$dir"; rm -f "$log" "$log.1"
  printf '%s GB/s %s CPU-s/GB' "$(echo "scale=2; $N * $BYTES / ($t1 - $t0) / 10^9" | bc)" \
    "$(echo "scale=3; ($c1 - $c0) / 100 / ($N * $BYTES / 10^9)" | bc)"
}
lscpu | grep "Model name"
for _ in $(seq "$R"); do echo "A $(one "$A") | B $(one "$B")"; done
