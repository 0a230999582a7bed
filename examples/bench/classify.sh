#!/usr/bin/env bash
# Classification benchmark, in one run: pipesfs replays a large synthetic capture at
# speed=max into the default tree ( lossy, no reader, so nothing waits) and classifies
# every frame into all 13 nodes and their classes in one pass. tcpdump -r reads the same file
# once per equivalent BPF filter, -w /dev/null. Prints medians over RUNS (default 3) and the ratios.
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
PIPESFS="$REPO/pipesfs"
# Inputs live in tmpfs: this VM keeps little page cache (DAMON reclaims cold pages), so a
# capture on disk was read partly from the disk, and the kernel-pipe baseline with it.
OUT="${BENCH_DIR:-/dev/shm/pipesfs-bench}"
RUNS="${RUNS:-3}"
mkdir -p "$OUT"
BIG="$OUT/big.pcap"
[ -s "$BIG" ] || "$PIPESFS" synth --size 1G "$BIG"
PACKETS=$(capinfos -M -c "$BIG" | awk '/Number of packets/ {print $NF}')
# One BPF filter per default-tree node; http is approximated by its port, as tcpdump users do.
FILTERS=("ip" "ip and tcp" "ip and tcp port 80" "ip and udp" "ip and udp port 53" "icmp"
         "ip6" "ip6 and tcp" "ip6 and tcp port 80" "ip6 and udp" "ip6 and udp port 53" "icmp6" "arp")

now() { date +%s.%N; }
median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
stat_of() { awk -v k="$2" '$1 == k {print $2}' "$1/.stats"; }

ours() {
  local dir t0 t1; dir=$(mktemp -d)
  "$PIPESFS" mount --paused --policy lossy --buffer 256M --source "pcap:$BIG" --log "$OUT/server.log" "$dir"
  t0=$(now); echo start > "$dir/.ctl"
  until [ "$(stat_of "$dir" state)" = ended ]; do sleep 0.005; done; t1=$(now)
  [ "$(stat_of "$dir" packets)" = "$PACKETS" ] || { echo "pipesfs replayed $(stat_of "$dir" packets) of $PACKETS" >&2; exit 1; }
  "$PIPESFS" umount "$dir"; rmdir "$dir"
  echo "$t1 - $t0" | bc -l
}
tcpdump_one() { local t0 t1; t0=$(now); tcpdump -r "$BIG" -w /dev/null "$1" 2>/dev/null; t1=$(now); echo "$t1 - $t0" | bc -l; }
tcpdump_all() { local total=0 f; for f in "${FILTERS[@]}"; do total=$(echo "$total + $(tcpdump_one "$f")" | bc -l); done; echo "$total"; }

O=(); T1=(); TA=()
for i in $(seq "$RUNS"); do O+=("$(ours)"); T1+=("$(tcpdump_one ip)"); TA+=("$(tcpdump_all)"); done
o=$(printf '%s\n' "${O[@]}" | median); t1=$(printf '%s\n' "${T1[@]}" | median); ta=$(printf '%s\n' "${TA[@]}" | median)
pps() { printf '%.2f M' "$(echo "$PACKETS / $1 / 1000000" | bc -l)"; }
echo
echo "Classifying $(du -h "$BIG" | cut -f1) ($PACKETS frames), median of $RUNS runs, seconds and frames/s:"
echo
echo "| path | seconds | frames/s | pipesfs speed-up |"
echo "| --- | --- | --- | --- |"
printf '| pipesfs replay + default tree (13 nodes and their classes, one pass) | %.2f | %s | 1.00× |\n' "$o" "$(pps "$o")"
printf '| tcpdump -r -w /dev/null, one filter (ip) | %.2f | %s | %.2f× |\n' "$t1" "$(pps "$t1")" "$(echo "$t1 / $o" | bc -l)"
printf '| tcpdump -r -w /dev/null, the 13 equivalent filters, one run each | %.2f | %s | %.2f× |\n' "$ta" "$(pps "$ta")" "$(echo "$ta / $o" | bc -l)"
