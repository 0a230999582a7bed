#!/usr/bin/env bash
# Where a mount's time goes during one of run.sh's end-to-end measurements: JFR samples the
# server JVM while the measurement runs, and each thread's CPU time comes from /proc. Prints,
# per thread, its CPU time and its hottest methods (self and inclusive; samples in native code
# count too, so a FUSE thread blocked in the kernel shows there).
#   CASE: cat-all   one cat MOUNT/all of run.sh's 1500-byte replay (row 2)
#         fan-out   four cats of the same (row 3)
#         get       cat ip/tcp/http/get/all | grep -c of the web capture (row 4)
# Inputs are run.sh's (ONLY_INPUTS=1 bash examples/bench/run.sh makes them).
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
PIPESFS="$REPO/pipesfs"
OUT="${BENCH_DIR:-/dev/shm/pipesfs-bench}"
CASE="${1:?usage: profile.sh cat-all|fan-out|get}"
FRAMES1500="${FRAMES1500:-100000}"; LOOPS="${LOOPS:-30}"   # 4.5 GB: enough samples
F1500="$OUT/frames1500-$FRAMES1500.pcap"; WEB="$OUT/web-1.pcap"
[ -s "$F1500" ] && [ -s "$WEB" ] || { echo "profile.sh: run ONLY_INPUTS=1 bash examples/bench/run.sh first" >&2; exit 1; }

stat_of() { awk -v k="$2" '$1 == k {print $2}' "$1/.stats"; }
dir=$(mktemp -d)
case $CASE in
  cat-all|fan-out) "$PIPESFS" mount --paused --source "pcap:$F1500:loop=$LOOPS" "$dir"; node=$dir ;;
  get) "$PIPESFS" mount --paused --source "pcap:$WEB" "$dir"; node=$dir/ip/tcp/http/get ;;
  *) echo "profile.sh: unknown case $CASE" >&2; exit 1 ;;
esac
trap '"$PIPESFS" umount "$dir" >/dev/null 2>&1 || fusermount -u -z "$dir"; rmdir "$dir" 2>/dev/null || true' EXIT
pid=$(pgrep -f "[P]ipesFsCommand mount -f .*$dir\$" | head -1)
readers=1; [ "$CASE" = fan-out ] && readers=4
pids=()
for _ in $(seq "$readers"); do
  if [ "$CASE" = get ]; then (cat "$node/all" | grep -ac '^GET ' > /dev/null) & else cat "$node/all" > /dev/null & fi
  pids+=($!)
done
until [ "$(stat_of "$node" readers)" = "$readers" ]; do sleep 0.01; done
sleep 2 # the warm-up gives way once the source produces; let it finish first, as a long run would
jfr="$OUT/profile-$CASE.jfr"
jcmd "$pid" JFR.start name=profile settings=profile filename="$jfr" >/dev/null
declare -A before
for t in /proc/"$pid"/task/*; do before[$(cat "$t/comm")]=$(( ${before[$(cat "$t/comm")]:-0} + $(awk '{print $14 + $15}' "$t/stat") )); done
t0=$(date +%s.%N); echo start > "$dir/.ctl"; wait "${pids[@]}"; t1=$(date +%s.%N)
declare -A after
for t in /proc/"$pid"/task/*; do after[$(cat "$t/comm")]=$(( ${after[$(cat "$t/comm")]:-0} + $(awk '{print $14 + $15}' "$t/stat") )); done
jcmd "$pid" JFR.stop name=profile >/dev/null
echo "## $CASE: $(echo "$t1 - $t0" | bc -l | cut -c1-5) s; CPU seconds per thread group of the server (clock ticks / 100)"
for k in "${!after[@]}"; do
  d=$(( after[$k] - ${before[$k]:-0} )); if [ "$d" -gt 0 ]; then printf '%s %s\n' "$d" "$k"; fi
done | sort -rn | awk 'NR <= 8 {printf "  %6.2f s  %s\n", $1 / 100, $2}'
jfr print --json --events jdk.ExecutionSample,jdk.NativeMethodSample "$jfr" > "$jfr.json"
python3 - "$jfr.json" <<'PY'
import collections, json, sys
events = json.load(open(sys.argv[1]))["recording"]["events"]
threads = collections.Counter(); own = collections.defaultdict(collections.Counter); held = collections.defaultdict(collections.Counter)
def name(frame):
    return frame["method"]["type"]["name"].split(".")[-1] + "." + frame["method"]["name"]
for e in events:
    v = e["values"]; thread = v["sampledThread"]["javaName"] or v["sampledThread"]["osName"]
    frames = (v["stackTrace"] or {}).get("frames") or []
    threads[thread] += 1
    if frames:
        own[thread][name(frames[0])] += 1
        for method in {name(f) for f in frames}:
            held[thread][method] += 1
total = sum(threads.values())
for thread, n in threads.most_common(4):
    print(f"### {thread}: {n} samples, {100 * n / total:.0f} % of all")
    print("  self:      " + "; ".join(f"{m} {100 * c / n:.0f} %" for m, c in own[thread].most_common(6)))
    print("  inclusive: " + "; ".join(f"{m} {100 * c / n:.0f} %" for m, c in held[thread].most_common(10)))
PY
