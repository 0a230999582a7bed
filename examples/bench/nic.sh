#!/usr/bin/env bash
# NIC generator benchmarks, in one run on one machine:
#   1. pcap replay at speed=max of a >= 1 GiB synthetic capture, next to tcpdump -r FILE -w /dev/null:
#      a) into the DBuf alone (lossy, no reader): the generator's own rate;
#      b) through the mount to a reader (lossless, cat all.pcap > /dev/null): end to end.
#   2. live capture on a veth pair driven by tcpreplay --topspeed from a network namespace, with
#      CPU per packet, in turn:
#      a) one consumer: pipesfs (cat all > /dev/null) against tcpdump -w /dev/null and against
#         tcpdump -U -w - | cat > /dev/null;
#      b) four consumers of different filters (HTTP GETs, DNS, ICMP, TCP SYNs): one pipesfs
#         mount with a cat of each node's all.pcap, against four tcpdump -U -w - FILTER | cat.
# Prints a Markdown table of medians over RUNS runs (default 5), with min and max.
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
PIPESFS="$REPO/pipesfs"
# Inputs live in tmpfs: this VM keeps little page cache (DAMON reclaims cold pages), so a
# capture on disk was read partly from the disk, and the kernel-pipe baseline with it.
OUT="${BENCH_DIR:-/dev/shm/pipesfs-bench}"
RUNS="${RUNS:-5}"
LIVE_PACKETS="${LIVE_PACKETS:-1000000}"
NIC_PARTS="${NIC_PARTS:-replay,live}"   # run.sh takes the live part only
mkdir -p "$OUT"
BIG="$OUT/big.pcap"; LIVE="$OUT/live-$LIVE_PACKETS.pcap"
command -v tcpreplay >/dev/null || { DEBIAN_FRONTEND=noninteractive apt-get install -y -q tcpreplay >/dev/null; }
# run.sh takes the live part only: it needs neither the 1 GiB capture nor its count.
if [[ $NIC_PARTS == *replay* ]]; then
  [ -s "$BIG" ] || "$PIPESFS" synth --size 1G "$BIG"
  BIG_PACKETS=$(capinfos -M -c "$BIG" | awk '/Number of packets/ {print $NF}')
fi
[ -s "$LIVE" ] || "$PIPESFS" synth --count "$LIVE_PACKETS" "$LIVE"

now() { date +%s.%N; }
stat_of() { awk -v k="$2" '$1 == k {print $2}' "$1/.stats"; }
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
summary() { sort -g | awk '{a[NR]=$1} END {printf "%s|%s|%s", a[int((NR+1)/2)], a[1], a[NR]}'; }
server_pid() { pgrep -f "PipesFsCommand mount -f .*$1\$" | head -1; }

mount_paused() { # dir, extra args...
  local dir=$1; shift
  "$PIPESFS" mount --paused "$@" --log "$OUT/server.log" "$dir"
}
umount_dir() { "$PIPESFS" umount "$1" >/dev/null 2>&1 || fusermount -u -z "$1"; }

replay_tcpdump() {
  local t0 t1; t0=$(now); tcpdump -r "$BIG" -w /dev/null 2>/dev/null; t1=$(now)
  echo "$BIG_PACKETS / ($t1 - $t0)" | bc -l
}
replay_dbuf() {
  local dir t0 t1; dir=$(mktemp -d)
  mount_paused "$dir" --policy lossy --buffer 256M --source "pcap:$BIG"
  t0=$(now); echo start > "$dir/.ctl"
  until [ "$(stat_of "$dir" state)" = ended ]; do sleep 0.005; done; t1=$(now)
  [ "$(stat_of "$dir" packets)" = "$BIG_PACKETS" ] || { echo "replay lost packets" >&2; exit 1; }
  umount_dir "$dir"; rmdir "$dir"
  echo "$BIG_PACKETS / ($t1 - $t0)" | bc -l
}
replay_cat() {
  local dir t0 t1 pid; dir=$(mktemp -d)
  mount_paused "$dir" --source "pcap:$BIG"
  cat "$dir/all.pcap" > /dev/null & pid=$!
  until [ "$(stat_of "$dir" readers)" = 1 ]; do sleep 0.005; done; sleep 0.2
  t0=$(now); echo start > "$dir/.ctl"; wait $pid; t1=$(now)
  umount_dir "$dir"; rmdir "$dir"
  echo "$BIG_PACKETS / ($t1 - $t0)" | bc -l
}

NS=pfsbench$$; HOST=pfbh$$; PEER=pfbp$$
live_setup() {
  ip netns add $NS; ip link add $HOST type veth peer name $PEER; ip link set $PEER netns $NS
  sysctl -qw net.ipv6.conf.$HOST.disable_ipv6=1; ip netns exec $NS sysctl -qw net.ipv6.conf.all.disable_ipv6=1
  ip link set $HOST up; ip netns exec $NS ip link set $PEER up
}
live_teardown() { ip link del $HOST 2>/dev/null || true; ip netns del $NS 2>/dev/null || true; }
trap live_teardown EXIT
# frames sent; the send rate goes to $OUT/rates
send() { ip netns exec $NS tcpreplay -i $PEER --topspeed "$LIVE" 2>&1 | tee -a "$OUT/tcpreplay.log" \
  | awk '/Rated:/ {for (i = 1; i < NF; i++) if ($(i+1) ~ /^pps/) print $i >> "'"$OUT/rates"'"} /Actual:/ {print $2}'; }

# Each capture session takes two bursts of LIVE_PACKETS frames: the first finds the capturer
# cold (the JVM compiles pipesfs's hot paths during it), the second warm. Both count for loss.
# prints: captured1 sent1 cpu_seconds1 captured2 sent2 cpu_seconds2
live_pipesfs() {
  local dir pid spid c0 c1 c2 s1 s2 k1 k2; dir=$(mktemp -d)
  mount_paused "$dir" --source "live:$HOST"
  cat "$dir/all" > /dev/null & pid=$!
  until [ "$(stat_of "$dir" readers)" = 1 ]; do sleep 0.005; done
  echo start > "$dir/.ctl"; spid=$(server_pid "$dir")
  captured() { echo $(( $(stat_of "$dir" elements_out) - $(stat_of "$dir" dropped) )); }
  ticks() { echo $(( $(cpu_ticks "$spid") + $(cpu_ticks $pid) )); }
  c0=$(ticks); s1=$(send); sleep 0.5; c1=$(ticks); k1=$(captured)
  s2=$(send); sleep 0.5; c2=$(ticks); k2=$(( $(captured) - k1 ))
  kill $pid; wait $pid 2>/dev/null || true
  umount_dir "$dir"; rmdir "$dir"
  echo "$k1 $s1 $(seconds $(( c1 - c0 ))) $k2 $s2 $(seconds $(( c2 - c1 )))"
}
live_tcpdump() { # tcpdump reports its count only at exit: each burst gets its share of the total
  local pid c0 c1 c2 s1 s2 total log; log=$(mktemp)
  tcpdump -i $HOST -w /dev/null 2> "$log" & pid=$!
  until grep -q "listening on" "$log"; do sleep 0.01; done
  c0=$(cpu_ticks $pid); s1=$(send); sleep 0.5; c1=$(cpu_ticks $pid); s2=$(send); sleep 0.5; c2=$(cpu_ticks $pid)
  kill -INT $pid; wait $pid 2>/dev/null || true
  total=$(awk '/packets captured/ {print $1}' "$log")
  echo "$(( total * s1 / (s1 + s2) )) $s1 $(seconds $(( c1 - c0 ))) $(( total * s2 / (s1 + s2) )) $s2 $(seconds $(( c2 - c1 )))"
  rm -f "$log"
}
seconds() { echo "$1 / $(getconf CLK_TCK)" | bc -l; }
live_tcpdump_pipe() { # tcpdump -U -w - | cat: the same shares per burst as live_tcpdump
  local pid cat c0 c1 c2 s1 s2 total log; log=$(mktemp)
  tcpdump -i $HOST -U -w - 2> "$log" | cat > /dev/null &
  cat=$!; until grep -q "listening on" "$log"; do sleep 0.01; done; pid=$(pgrep -n -x tcpdump)
  ticks() { echo $(( $(cpu_ticks "$pid") + $(cpu_ticks "$cat") )); }
  c0=$(ticks); s1=$(send); sleep 0.5; c1=$(ticks); s2=$(send); sleep 0.5; c2=$(ticks)
  kill -INT "$pid"; wait "$cat" 2>/dev/null || true
  total=$(awk '/packets captured/ {print $1}' "$log")
  echo "$(( total * s1 / (s1 + s2) )) $s1 $(seconds $(( c1 - c0 ))) $(( total * s2 / (s1 + s2) )) $s2 $(seconds $(( c2 - c1 )))"
  rm -f "$log"
}

# Four consumers: HTTP GETs, DNS, ICMP and TCP SYNs. The GET filter is tcpdump's usual one
# (the payload's first four bytes); pipesfs's get node also finds GETs in VLAN frames.
GET_BPF='tcp[((tcp[12:1] & 0xf0) >> 2):4] = 0x47455420'
FOUR_BPF=("$GET_BPF" "udp port 53" "icmp" "tcp[tcpflags] & tcp-syn != 0")
FOUR_NODES=(ip/tcp/http/get ip/udp/dns ip/icmp "expr=tcp[tcpflags] & tcp-syn != 0")
# prints: frames_sent lost cpu_seconds_warm frames_matched_warm (one cold burst first, as above)
four_pipesfs() {
  local dir spid pids=() n c1 c2 s1 s2 lost matched0 matched; dir=$(mktemp -d)
  mount_paused "$dir" --source "live:$HOST"
  for n in "${FOUR_NODES[@]}"; do mkdir -p "$dir/$n"; done
  for n in "${FOUR_NODES[@]}"; do cat "$dir/$n/all.pcap" > /dev/null & pids+=($!); done
  for n in "${FOUR_NODES[@]}"; do until [ "$(awk '$1 == "readers" {print $2}' "$dir/$n/.stats")" = 1 ]; do sleep 0.005; done; done
  echo start > "$dir/.ctl"; spid=$(server_pid "$dir")
  ticks() { local t=$(cpu_ticks "$spid") p; for p in "${pids[@]}"; do t=$(( t + $(cpu_ticks "$p") )); done; echo $t; }
  lost_now() { local l=$(stat_of "$dir" kernel_dropped) n; for n in "${FOUR_NODES[@]}"; do l=$(( l + $(awk '$1 == "dropped" {print $2}' "$dir/$n/.stats") )); done; echo $l; }
  matched_now() { local m=0 n; for n in "${FOUR_NODES[@]}"; do m=$(( m + $(awk '$1 == "elements_out" {print $2}' "$dir/$n/.stats") )); done; echo $m; }
  s1=$(send); sleep 0.5; c1=$(ticks); matched0=$(matched_now)
  s2=$(send); sleep 0.5; c2=$(ticks); matched=$(( $(matched_now) - matched0 )); lost=$(lost_now)
  kill "${pids[@]}"; wait "${pids[@]}" 2>/dev/null || true
  umount_dir "$dir"; rmdir "$dir"
  echo "$(( s1 + s2 )) $lost $(seconds $(( c2 - c1 ))) $matched"
}
four_tcpdump() {
  local i logs=() tds=() cats=() c1 c2 s1 s2 lost total matched
  for i in 0 1 2 3; do
    logs+=("$(mktemp)")
    tcpdump -i $HOST -U -w - "${FOUR_BPF[$i]}" 2> "${logs[$i]}" | cat > /dev/null & cats+=($!)
    until grep -q "listening on" "${logs[$i]}"; do sleep 0.01; done; tds+=("$(pgrep -n -x tcpdump)")
  done
  ticks() { local t=0 p; for p in "${tds[@]}" "${cats[@]}"; do t=$(( t + $(cpu_ticks "$p") )); done; echo $t; }
  s1=$(send); sleep 0.5; c1=$(ticks); s2=$(send); sleep 0.5; c2=$(ticks)
  kill -INT "${tds[@]}"; wait "${cats[@]}" 2>/dev/null || true
  lost=0; total=0
  for i in 0 1 2 3; do
    lost=$(( lost + $(awk '/dropped by kernel/ {print $1}' "${logs[$i]}") ))
    total=$(( total + $(awk '/packets captured/ {print $1}' "${logs[$i]}") )); rm -f "${logs[$i]}"
  done
  matched=$(( total * s2 / (s1 + s2) ))
  echo "$(( s1 + s2 )) $lost $(seconds $(( c2 - c1 ))) $matched"
}

# Sourced (as ab-live.sh does), nic.sh only defines the above and measures nothing.
[[ ${BASH_SOURCE[0]} != "$0" ]] && return 0

declare -A R
if [[ $NIC_PARTS == *replay* ]]; then
  for i in $(seq "$RUNS"); do
    R[tcpdump]+="$(replay_tcpdump)"$'\n'
    R[dbuf]+="$(replay_dbuf)"$'\n'
    R[cat]+="$(replay_cat)"$'\n'
  done
fi
live_setup
rm -f "$OUT/rates"
LP=(); LT=(); LU=(); FP=(); FT=()
for i in $(seq "$RUNS"); do
  LP+=("$(live_pipesfs)"); LT+=("$(live_tcpdump)"); LU+=("$(live_tcpdump_pipe)")
  FP+=("$(four_pipesfs)"); FT+=("$(four_tcpdump)")
done

fmt() { IFS='|' read -r med lo hi <<<"$1"; printf "%.2f M (%.2f–%.2f)" "$(echo "$med/1000000" | bc -l)" "$(echo "$lo/1000000" | bc -l)" "$(echo "$hi/1000000" | bc -l)"; }
if [[ $NIC_PARTS == *replay* ]]; then
T=$(printf '%s' "${R[tcpdump]}" | summary); D=$(printf '%s' "${R[dbuf]}" | summary); C=$(printf '%s' "${R[cat]}" | summary)
echo
echo "pcap replay of $(du -h "$BIG" | cut -f1) ($BIG_PACKETS packets), packets/s, median of $RUNS (min–max):"
echo
echo "| path | packets/s | ratio to tcpdump -r -w /dev/null |"
echo "| --- | --- | --- |"
echo "| tcpdump -r big.pcap -w /dev/null | $(fmt "$T") | 1.00× |"
echo "| pipesfs replay into the DBuf (speed=max, no reader) | $(fmt "$D") | $(printf '%.2f' "$(echo "${D%%|*} / ${T%%|*}" | bc -l)")× |"
echo "| pipesfs replay to cat all.pcap > /dev/null | $(fmt "$C") | $(printf '%.2f' "$(echo "${C%%|*} / ${T%%|*}" | bc -l)")× |"
fi
echo
echo "live capture on a veth pair, tcpreplay --topspeed of 2 × $LIVE_PACKETS frames per capture run at a median $(summary < "$OUT/rates" | cut -d'|' -f1) pps, median of $RUNS runs."
echo "The first burst finds the capturer cold, the second warm. CPU counts every thread of the capturing processes"
echo "(for pipesfs: the server, JIT compiler threads included, and cat) over each burst and the half second after it."
echo
live_row() { # name, array of "captured1 sent1 cpu1 captured2 sent2 cpu2"
  local name=$1; shift
  local caps sents cold warm
  caps=$(printf '%s\n' "$@" | awk '{print $1 + $4}' | summary); sents=$(printf '%s\n' "$@" | awk '{print $2 + $5}' | summary)
  cold=$(printf '%s\n' "$@" | awk '$1 > 0 {print 1e6 * $3 / $1}' | summary)
  warm=$(printf '%s\n' "$@" | awk '$4 > 0 {print 1e6 * $6 / $4}' | summary)
  printf '| %s | %s | %s (%s–%s) | %.2f %% | %.2f (%.2f–%.2f) | %.2f (%.2f–%.2f) |\n' "$name" "${sents%%|*}" \
    "${caps%%|*}" "$(cut -d'|' -f2 <<<"$caps")" "$(cut -d'|' -f3 <<<"$caps")" \
    "$(echo "100 * (${sents%%|*} - ${caps%%|*}) / ${sents%%|*}" | bc -l)" \
    $(tr '|' ' ' <<<"$cold") $(tr '|' ' ' <<<"$warm")
}
echo "| capture | frames sent | frames captured (min–max) | loss | CPU µs per captured frame, cold burst | CPU µs per captured frame, warm burst |"
echo "| --- | --- | --- | --- | --- | --- |"
live_row "pipesfs live: + cat all > /dev/null" "${LP[@]}"
live_row "tcpdump -i IFACE -w /dev/null" "${LT[@]}"
live_row "tcpdump -i IFACE -U -w - \| cat > /dev/null" "${LU[@]}"
warm() { printf '%s\n' "$@" | awk '{print 1e6 * $6 / $4}' | summary | cut -d'|' -f1; }
printf '\nOne consumer, warm CPU per captured frame: pipesfs / (tcpdump -U -w - | cat) = %.2f× (target ≤ 1.0×).\n' \
  "$(echo "$(warm "${LP[@]}") / $(warm "${LU[@]}")" | bc -l)"
echo
echo "Four consumers of different filters (HTTP GETs, DNS, ICMP, TCP SYNs), the same two bursts per run; CPU over the warm"
echo "burst and its half second, per frame sent (every thread of the server and the four cats; of the four tcpdumps and"
echo "their four cats). Lost: the kernel's drops and the nodes' (pipesfs), the four tcpdumps' \"dropped by kernel\"."
echo
echo "| capture | frames sent | frames lost (min–max) | elements matched, warm burst | CPU µs per frame sent, warm burst |"
echo "| --- | --- | --- | --- | --- |"
four_row() {
  local name=$1 sent lost matched cpu; shift
  sent=$(printf '%s\n' "$@" | awk '{print $1}' | summary); lost=$(printf '%s\n' "$@" | awk '{print $2}' | summary)
  matched=$(printf '%s\n' "$@" | awk '{print $4}' | summary)
  cpu=$(printf '%s\n' "$@" | awk '{print 2e6 * $3 / $1}' | summary)
  printf '| %s | %s | %s (%s–%s) | %s | %.3f (%.3f–%.3f) |\n' "$name" "${sent%%|*}" "${lost%%|*}" "$(cut -d'|' -f2 <<<"$lost")" \
    "$(cut -d'|' -f3 <<<"$lost")" "${matched%%|*}" $(tr '|' ' ' <<<"$cpu")
  FOUR_CPU=${cpu%%|*}
}
four_row "pipesfs live: 4 nodes, cat NODE/all.pcap > /dev/null each" "${FP[@]}"; PF_CPU=$FOUR_CPU
four_row "4 × tcpdump -i IFACE -U -w - FILTER \| cat > /dev/null" "${FT[@]}"; TF_CPU=$FOUR_CPU
printf '\nFour consumers, CPU per frame: pipesfs / 4 tcpdumps = %.2f× (target ≤ 0.5×, and no more loss).\n' \
  "$(echo "$PF_CPU / $TF_CPU" | bc -l)"
