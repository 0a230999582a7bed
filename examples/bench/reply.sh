#!/usr/bin/env bash
# Reply strategies for a read of scattered elements, in C (replyfs.c): the FUSE cost
# alone, copying the elements into one buffer (PipesFS's way), and one iovec per element, with
# elements packed back to back and answered in place (with writev, or with vmsplice and splice),
# with a 64 MiB and an 8 MiB ring, for 1 and 4 readers of 1 GB each. Prints medians of RUNS (5).
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
OUT="${BENCH_DIR:-/dev/shm/pipesfs-bench}"; RUNS="${RUNS:-5}"; BYTES=1050000000
mkdir -p "$OUT"
need() { command -v "$1" >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$2" >/dev/null; }
need gcc gcc; need pkg-config pkg-config
[ -e /usr/include/fuse/fuse.h ] || DEBIAN_FRONTEND=noninteractive apt-get install -y -q libfuse-dev >/dev/null
[ "$OUT/replyfs" -nt "$REPO/examples/bench/replyfs.c" ] && [ "$OUT/replyfs" -nt "$REPO/examples/bench/large_reads.h" ] \
  || gcc -O2 -o "$OUT/replyfs" "$REPO/examples/bench/replyfs.c" $(pkg-config fuse --cflags --libs)
# splice holds a whole 1 MiB reply in one pipe, past the 1 MiB that fs.pipe-max-size allows by default
PIPE_MAX=$(cat /proc/sys/fs/pipe-max-size); trap 'echo "$PIPE_MAX" > /proc/sys/fs/pipe-max-size' EXIT
echo $((4 << 20)) > /proc/sys/fs/pipe-max-size
run() { # reply ring_mb readers; runs in a $(...) subshell, whose exit unmounts, a failed read too
  local dir t0 t1 pids=() i; dir=$(mktemp -d)
  trap "fusermount -u '$dir' 2>/dev/null || fusermount -u -z '$dir' 2>/dev/null || true; rmdir '$dir' 2>/dev/null || true" EXIT
  REPLY=$1 RING_MB=$2 NULLFS_SIZE=$BYTES "$OUT/replyfs" -o max_read=1048576 "$dir"
  t0=$(date +%s.%N); for i in $(seq "$3"); do cat "$dir/big" > /dev/null & pids+=($!); done; wait "${pids[@]}"; t1=$(date +%s.%N)
  echo "$BYTES * $3 / ($t1 - $t0) / 1000000000" | bc -l
}
median() { sort -g | awk '{a[NR]=$1} END {printf "%.2f", a[int((NR+1)/2)]}'; }
echo "| reply | ring | 1 reader GB/s | 4 readers GB/s |"
echo "| --- | --- | --- | --- |"
IFS=';' read -r -a CFGS <<< "${CONFIGS:-none 64;copy 64;iov 64;packed 64;splice 64;copy 8;iov 8}" # CONFIGS: a subset
for cfg in "${CFGS[@]}"; do
  set -- $cfg; one=""; four=""
  for i in $(seq "$RUNS"); do one+="$(run "$1" "$2" 1)"$'\n'; four+="$(run "$1" "$2" 4)"$'\n'; done
  echo "| $1 | $2 MiB | $(printf '%s' "$one" | median) | $(printf '%s' "$four" | median) |"
done
