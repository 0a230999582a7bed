#!/usr/bin/env bash
# Alternating A/B of run.sh's one-consumer live capture: two PipesFS trees (A and B, each a
# checkout with its own ./pipesfs) take nic.sh's live_pipesfs in turn (a veth pair, tcpreplay
# --topspeed of nic.sh's capture twice from a network namespace, a cat reading root all).
# Each pair prints both trees' CPU per captured frame (server and cat, µs) over the first,
# cold burst and the second, warm one, and the frames captured. Run as root:
#   A=/path/to/old B=/path/to/new R=9 bash examples/bench/ab-live.sh
R="${R:-9}"
NIC_PARTS=live
# shellcheck source=nic.sh
source "$(dirname "${BASH_SOURCE[0]}")/nic.sh"
one() {
  local k1 s1 c1 k2 s2 c2
  read -r k1 s1 c1 k2 s2 c2 <<<"$(PIPESFS="$1/pipesfs" live_pipesfs)"
  printf 'cold %.2f warm %.2f µs (%s, %s frames)' "$(echo "1000000 * $c1 / $k1" | bc -l)" \
    "$(echo "1000000 * $c2 / $k2" | bc -l)" "$k1" "$k2"
}
live_setup
lscpu | grep "Model name"
for _ in $(seq "$R"); do echo "A $(one "$A") | B $(one "$B")"; done
