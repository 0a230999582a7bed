#!/usr/bin/env bash
# Transmit, side by side in one run on one veth pair (the far end in a network namespace,
# capturing nothing): a tx=IFACE node at the root of a pcap replay at speed=max, against
# tcpreplay --topspeed of the same capture (PACKETS synthetic frames, default 1,000,000).
#   frames/s: pipesfs from `.ctl start` until the node's `sent` reaches the count;
#             tcpreplay's own "Rated" packets/s.
#   CPU per frame: every thread of the pipesfs server over that span (source, transmit, JIT);
#             tcpreplay's user + system time for the whole process.
# Sending on a veth pair runs the far end's receive path in the sender's system time, for
# both alike. Prints a Markdown table of medians over RUNS runs (default 3), min and max.
# Run as root from the repository: bash examples/bench/tx.sh
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
PIPESFS="$REPO/pipesfs"
OUT="${BENCH_DIR:-/dev/shm/pipesfs-bench}"
RUNS="${RUNS:-3}"
PACKETS="${PACKETS:-1000000}"
mkdir -p "$OUT"
CAPTURE="$OUT/live-$PACKETS.pcap"
command -v tcpreplay >/dev/null || { DEBIAN_FRONTEND=noninteractive apt-get install -y -q tcpreplay >/dev/null; }
[ -s "$CAPTURE" ] || "$PIPESFS" synth --count "$PACKETS" "$CAPTURE"

now() { date +%s.%N; }
stat_of() { awk -v k="$2" '$1 == k {print $2}' "$1/$3.stats"; }
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
seconds() { echo "$1 / $(getconf CLK_TCK)" | bc -l; }
summary() { sort -g | awk '{a[NR]=$1} END {printf "%s|%s|%s", a[int((NR+1)/2)], a[1], a[NR]}'; }
server_pid() { pgrep -f "PipesFsCommand mount -f .*$1\$" | head -1; }

NS=pfstx$$; HOST=pfth$$; PEER=pftp$$
ip netns add $NS; ip link add $HOST type veth peer name $PEER; ip link set $PEER netns $NS
teardown() { ip link del $HOST 2>/dev/null || true; ip netns del $NS 2>/dev/null || true; }
trap teardown EXIT
sysctl -qw net.ipv6.conf.$HOST.disable_ipv6=1; ip netns exec $NS sysctl -qw net.ipv6.conf.all.disable_ipv6=1
ip link set $HOST up; ip netns exec $NS ip link set $PEER up

# prints: frames/s cpu_µs_per_frame; arguments: extra mount options
run_pipesfs() {
  local dir spid t0 t1 c0 c1; dir=$(mktemp -d)
  "$PIPESFS" mount --paused "$@" --source "pcap:$CAPTURE:speed=max" --log "$OUT/server.log" "$dir"
  mkdir "$dir/tx=$HOST"; spid=$(server_pid "$dir")
  until [ "$(stat_of "$dir" readers "tx=$HOST/")" = 1 ]; do sleep 0.005; done
  c0=$(cpu_ticks "$spid"); t0=$(now); echo start > "$dir/.ctl"
  # 20 ms polls: each read of .stats costs the server a few FUSE requests
  until [ "$(stat_of "$dir" sent "tx=$HOST/")" -ge "$PACKETS" ]; do sleep 0.02; done
  t1=$(now); c1=$(cpu_ticks "$spid")
  local errors dropped; errors=$(stat_of "$dir" send_errors "tx=$HOST/"); dropped=$(stat_of "$dir" dropped "tx=$HOST/")
  [ "$errors" = 0 ] && [ "$dropped" = 0 ] || { echo "tx=: $errors send errors, $dropped dropped" >&2; exit 1; }
  "$PIPESFS" umount "$dir" >/dev/null 2>&1 || fusermount -u -z "$dir"; rmdir "$dir"
  echo "$(echo "$PACKETS / ($t1 - $t0)" | bc -l) $(echo "1000000 * $(seconds $((c1 - c0))) / $PACKETS" | bc -l)"
}
run_tcpreplay() {
  local log times; log=$(mktemp); times=$(mktemp)
  { TIMEFORMAT='%U %S'; time tcpreplay -i $HOST --topspeed "$CAPTURE" > "$log" 2>&1; } 2> "$times"
  grep -q "Successful packets: *$PACKETS" "$log" || { echo "tcpreplay did not send every frame" >&2; cat "$log" >&2; exit 1; }
  local pps; pps=$(awk '/Rated:/ {for (i = 1; i < NF; i++) if ($(i+1) ~ /^pps/) print $i}' "$log")
  echo "$pps $(awk -v n="$PACKETS" '{print 1e6 * ($1 + $2) / n}' "$times")"
  rm -f "$log" "$times"
}

B=(); P=(); T=()
for i in $(seq "$RUNS"); do B+=("$(run_pipesfs --bare)"); P+=("$(run_pipesfs)"); T+=("$(run_tcpreplay)"); done
col() { printf '%s\n' "${@:2}" | awk -v c="$1" '{print $c}' | summary; }
TF=$(col 1 "${T[@]}"); TC=$(col 2 "${T[@]}")
fmt() { IFS='|' read -r med lo hi <<<"$1"; printf "%.3f M (%.3f–%.3f)" "$(echo "$med/1000000" | bc -l)" "$(echo "$lo/1000000" | bc -l)" "$(echo "$hi/1000000" | bc -l)"; }
cpu() { IFS='|' read -r med lo hi <<<"$1"; printf "%.2f (%.2f–%.2f)" "$med" "$lo" "$hi"; }
echo
echo "Transmit of $PACKETS frames ($(du -h "$CAPTURE" | cut -f1)) onto a veth pair, median of $RUNS runs (min–max), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) cores:"
echo
echo "| sender | frames/s | ratio | CPU µs per frame | CPU ratio |"
echo "| --- | --- | --- | --- | --- |"
echo "| tcpreplay --topspeed | $(fmt "$TF") | 1.00× | $(cpu "$TC") | 1.00× |"
row() { # name, array of "frames/s cpu"
  local name=$1 f c; shift; f=$(col 1 "$@"); c=$(col 2 "$@")
  echo "| $name | $(fmt "$f") | $(printf '%.2f' "$(echo "${f%%|*} / ${TF%%|*}" | bc -l)")× | $(cpu "$c") | $(printf '%.2f' "$(echo "${c%%|*} / ${TC%%|*}" | bc -l)")× |"
}
row "pipesfs --bare, tx=IFACE at the root" "${B[@]}"
row "pipesfs (ip, ip6, arp under the root), tx=IFACE at the root" "${P[@]}"
