#!/usr/bin/env bash
# Alternating A/B of run.sh's one-consumer live capture: two PipesFS trees (A and B, each a
# checkout with its own ./pipesfs) capture a veth pair in turn while tcpreplay --topspeed sends
# nic.sh's capture twice from a network namespace; a cat reads root all. Each pair prints both
# trees' CPU per captured frame (server and cat, µs) over the first, cold burst and the second,
# warm one, and the frames captured. Run as root after run.sh made its inputs:
#   A=/path/to/old B=/path/to/new R=9 bash examples/bench/ab-live.sh
set -uo pipefail
R="${R:-9}"
LIVE="${BENCH_DIR:-/dev/shm/pipesfs-bench}/live-1000000.pcap"
[ -s "$LIVE" ] || { echo "run examples/bench/run.sh once first" >&2; exit 1; }
stat_of() { awk -v k="$2" '$1 == k {print $2}' "$1/.stats"; }
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
server_pid() { pgrep -f "[P]ipesFsCommand mount -f .*$1\$" | head -1; }
NS=pfab$$; HOST=pfabh$$; PEER=pfabp$$
ip netns add $NS; ip link add $HOST type veth peer name $PEER; ip link set $PEER netns $NS
sysctl -qw net.ipv6.conf.$HOST.disable_ipv6=1; ip netns exec $NS sysctl -qw net.ipv6.conf.all.disable_ipv6=1
ip link set $HOST up; ip netns exec $NS ip link set $PEER up
trap 'ip link del $HOST 2>/dev/null; ip netns del $NS 2>/dev/null' EXIT
send() { ip netns exec $NS tcpreplay -i $PEER --topspeed "$LIVE" >/dev/null 2>&1; }
one() {
  local tree=$1 dir pid spid c0 c1 c2 k1 k2; dir=$(mktemp -d)
  "$tree/pipesfs" mount --paused --source "live:$HOST" "$dir"
  cat "$dir/all" > /dev/null & pid=$!
  until [ "$(stat_of "$dir" readers)" = 1 ]; do sleep 0.005; done
  echo start > "$dir/.ctl"; spid=$(server_pid "$dir")
  captured() { echo $(( $(stat_of "$dir" elements_out) - $(stat_of "$dir" dropped) )); }
  ticks() { echo $(( $(cpu_ticks "$spid") + $(cpu_ticks $pid) )); }
  c0=$(ticks); send; sleep 0.5; c1=$(ticks); k1=$(captured)
  send; sleep 0.5; c2=$(ticks); k2=$(( $(captured) - k1 ))
  kill $pid; wait $pid 2>/dev/null
  "$tree/pipesfs" umount "$dir" >/dev/null 2>&1 || fusermount -u -z "$dir"; rmdir "$dir"
  printf 'cold %.2f warm %.2f µs (%s, %s frames)' "$(echo "10000 * ($c1 - $c0) / $k1" | bc -l)" \
    "$(echo "10000 * ($c2 - $c1) / $k2" | bc -l)" "$k1" "$k2"
}
lscpu | grep "Model name"
for _ in $(seq "$R"); do echo "A $(one "$A") | B $(one "$B")"; done
