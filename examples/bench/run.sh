#!/usr/bin/env bash
# End-to-end benchmarks, every comparison in one invocation on one machine. Builds what
# it needs (the captures it replays, the C null filesystem), runs each measurement RUNS times
# (default 5) and prints Markdown tables of medians with min and max, each as a ratio to its
# baseline. Run as root from the repository: bash examples/bench/run.sh
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
PIPESFS="$REPO/pipesfs"
# Inputs live in tmpfs: this VM keeps little page cache (DAMON reclaims cold pages), so a
# capture on disk was read partly from the disk, and the kernel-pipe baseline with it.
OUT="${BENCH_DIR:-/dev/shm/pipesfs-bench}"
RUNS="${RUNS:-5}"
FRAMES1500="${FRAMES1500:-100000}"   # frames of 1500 bytes in the stream capture
LOOPS="${LOOPS:-7}"                  # replays of it per run: about 1 GB
SKIP="${SKIP:-}"                     # e.g. SKIP=live,jmh while trying the script out
mkdir -p "$OUT"
cd "$REPO"
STARTED=$(date +%s.%N)

need() { command -v "$1" >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$2" >/dev/null; }
need gcc gcc; need pkg-config pkg-config; need tshark tshark; need capinfos tshark
[ -e /usr/include/fuse/fuse.h ] || DEBIAN_FRONTEND=noninteractive apt-get install -y -q libfuse-dev >/dev/null
fresh() { [ "$1" -nt examples/bench/nullfs.c ] && [ "$1" -nt examples/bench/large_reads.h ]; }
fresh "$OUT/nullfs" || gcc -O2 -o "$OUT/nullfs" examples/bench/nullfs.c $(pkg-config fuse --cflags --libs)
fresh "$OUT/nullfs-1m" || gcc -O2 -DLARGE_READS -o "$OUT/nullfs-1m" examples/bench/nullfs.c $(pkg-config fuse --cflags --libs)
"$PIPESFS" --version >/dev/null # builds on first use

# ---- inputs ------------------------------------------------------------------------------------
F1500="$OUT/frames1500-$FRAMES1500.pcap"
[ -s "$F1500" ] || python3 - "$F1500" "$FRAMES1500" <<'PY'
import struct, sys
out, n = sys.argv[1], int(sys.argv[2])
with open(out, "wb") as f:
    f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
    for i in range(n):
        payload = bytes((i + k) & 0xff for k in range(1500 - 42))
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 1486, i & 0xffff, 0x4000, 64, 17, 0, bytes([10, 0, 0, 1]), bytes([10, 0, 0, 2]))
        s = sum(struct.unpack("!10H", ip)); s = (s & 0xffff) + (s >> 16); s = (s & 0xffff) + (s >> 16)
        ip = ip[:10] + struct.pack("!H", ~s & 0xffff) + ip[12:]
        frame = b"\x00\x00\x00\x00\x00\x02\x00\x00\x00\x00\x00\x01\x08\x00" + ip + struct.pack("!HHHH", 4000, 9000, 1466, 0) + payload
        f.write(struct.pack("<IIII", i // 100000, i % 100000 * 10, len(frame), len(frame)) + frame)
PY
STREAM_BYTES=$(( FRAMES1500 * 1500 * LOOPS ))
RAW="$OUT/raw-$STREAM_BYTES"
[ -s "$RAW" ] || head -c "$STREAM_BYTES" /dev/urandom > "$RAW"
# The web mix: mostly HTTP with multi-segment responses and clients spread over the IPv4 space,
# about a million frames of about 1,000 bytes (docs/BENCHMARKS.md, End-to-end benchmarks, on why not the
# default mix). Bump the name when the web mix changes, so the capture is rebuilt.
WEB="$OUT/web-1.pcap"
[ -s "$WEB" ] || "$PIPESFS" synth --mix web --size 1G "$WEB" >/dev/null 2>&1
[ -n "${ONLY_INPUTS:-}" ] && exit 0

# ---- helpers -----------------------------------------------------------------------------------
now() { date +%s.%N; }
stat_of() { awk -v k="$2" '$1 == k {print $2}' "$1/.stats"; }
summary() { sort -g | awk '{a[NR]=$1} END {printf "%s|%s|%s", a[int((NR+1)/2)], a[1], a[NR]}'; }
mnt() { local dir; dir=$(mktemp -d); "$PIPESFS" mount --paused "$@" --log "$OUT/server.log" "$dir"; echo "$dir"; }
umnt() { "$PIPESFS" umount "$1" >/dev/null 2>&1 || fusermount -u -z "$1"; rmdir "$1" 2>/dev/null || true; }
await_readers() { # node dir, count: waits up to 30 s
  local i; for i in $(seq 6000); do [ "$(stat_of "$1" readers)" = "$2" ] && { sleep 0.4; return; }; sleep 0.005; done
  echo "run.sh: $1 never had $2 readers" >&2; exit 1
}
gbps() { echo "$1 / $2 / 1000000000" | bc -l; }
# A row: name, values (one per line, higher is better), baseline median, target text
row() {
  local name=$1 values=$2 base=$3 target=$4 s med lo hi
  s=$(printf '%s\n' $values | summary); IFS='|' read -r med lo hi <<<"$s"
  printf '| %s | %.2f (%.2f–%.2f) | %.2f× | %s |\n' "$name" "$med" "$lo" "$hi" "$(echo "$med / $base" | bc -l)" "$target"
}
median_of() { printf '%s\n' $1 | summary | cut -d'|' -f1; }

# ---- 2. stream throughput ----------------------------------------------------------------------
ours_stream() { # readers
  local dir t0 t1 pids=() i; dir=$(mnt --source "pcap:$F1500:loop=$LOOPS")
  for i in $(seq "$1"); do cat "$dir/all" > /dev/null & pids+=($!); done
  await_readers "$dir" "$1"
  t0=$(now); echo start > "$dir/.ctl"; wait "${pids[@]}"; t1=$(now)
  umnt "$dir"; gbps $(( STREAM_BYTES * $1 )) "$(echo "$t1 - $t0" | bc -l)"
}
pipe_stream() { local t0 t1; t0=$(now); cat "$RAW" | cat > /dev/null; t1=$(now); gbps "$STREAM_BYTES" "$(echo "$t1 - $t0" | bc -l)"; }
null_stream() { # readers [1m]: the C null filesystem as libfuse 2 mounts it, or with 1 MiB requests
  local dir t0 t1 pids=() i bin=nullfs max=131072; dir=$(mktemp -d)
  [ "${2:-}" = 1m ] && { bin=nullfs-1m; max=1048576; }
  NULLFS_SIZE=$STREAM_BYTES "$OUT/$bin" -o direct_io,max_read=$max "$dir"
  t0=$(now); for i in $(seq "$1"); do cat "$dir/big" > /dev/null & pids+=($!); done; wait "${pids[@]}"; t1=$(now)
  fusermount -u "$dir"; rmdir "$dir"; gbps $(( STREAM_BYTES * $1 )) "$(echo "$t1 - $t0" | bc -l)"
}
tee_stream() { # outputs
  local t0 t1 sinks="" i; for i in $(seq $(( $1 - 1 ))); do sinks+=" >(cat > /dev/null)"; done
  t0=$(now); eval "cat \"$RAW\" | tee $sinks > /dev/null"; t1=$(now)
  gbps $(( STREAM_BYTES * $1 )) "$(echo "$t1 - $t0" | bc -l)"
}

# ---- 0. the generator: the synthetic source to one reader of the root -------------------------
GEN_MIX="${GEN_MIX:-5000000}"; GEN_64="${GEN_64:-20000000}"   # frames per run
ours_generator() { # source spec, frames: prints "bytes/s frames/s"
  local dir t0 t1 pid bytes; dir=$(mnt --source "$1:count=$2")
  cat "$dir/all" > /dev/null & pid=$!; await_readers "$dir" 1
  t0=$(now); echo start > "$dir/.ctl"; wait $pid; t1=$(now); bytes=$(stat_of "$dir" bytes)
  umnt "$dir"; echo "$(echo "$bytes / ($t1 - $t0)" | bc -l) $(echo "$2 / ($t1 - $t0)" | bc -l)"
}

# ---- 4. classification to the shell ------------------------------------------------------------
GET_BPF='tcp[((tcp[12:1] & 0xf0) >> 2):4] = 0x47455420'
ours_get() {
  local dir t0 t1 count; dir=$(mnt --source "pcap:$WEB")
  cat "$dir/ip/tcp/http/get/all" | grep -ac '^GET ' > "$OUT/count.ours" &
  local pid=$!; await_readers "$dir/ip/tcp/http/get" 1
  t0=$(now); echo start > "$dir/.ctl"; wait $pid; t1=$(now)
  umnt "$dir"; echo "$t1 - $t0" | bc -l
}
tcpdump_get() {
  local t0 t1; t0=$(now)
  tcpdump -q -nn -A -r "$WEB" "($GET_BPF) or (vlan and $GET_BPF)" 2>/dev/null | grep -ac 'GET /' > "$OUT/count.tcpdump"
  t1=$(now); echo "$t1 - $t0" | bc -l > "$OUT/time.tcpdump"
}
tshark_get() {
  local t0 t1; t0=$(now)
  tshark -n -r "$WEB" -Y 'ip && http.request.method == "GET"' 2>/dev/null | grep -c . > "$OUT/count.tshark"
  t1=$(now); echo "$t1 - $t0" | bc -l > "$OUT/time.tshark"
}
baselines_get() { tcpdump_get; tshark_get; }

# ---- 5. splice ---------------------------------------------------------------------------------
splice_run() { # linked|sources: web/ is fed by ln -s from the IPv4 and the IPv6 web traffic
  local dir t0 t1 pids=(); dir=$(mnt --source "pcap:$WEB")
  mkdir "$dir/ip/tcp/port=80" "$dir/ip6/tcp/port=80" "$dir/web"
  ln -s "$dir/ip/tcp/port=80" "$dir/web/v4"; ln -s "$dir/ip6/tcp/port=80" "$dir/web/v6"
  if [ "$1" = linked ]; then
    cat "$dir/web/all" | wc -c > "$OUT/splice.bytes" & pids+=($!); await_readers "$dir/web" 1
  else
    cat "$dir/ip/tcp/port=80/all" | wc -c > "$OUT/splice.v4" & pids+=($!)
    cat "$dir/ip6/tcp/port=80/all" | wc -c > "$OUT/splice.v6" & pids+=($!)
    await_readers "$dir/ip/tcp/port=80" 1; await_readers "$dir/ip6/tcp/port=80" 1
  fi
  t0=$(now); echo start > "$dir/.ctl"; wait "${pids[@]}"; t1=$(now)
  umnt "$dir"; echo "$t1 - $t0" | bc -l
}

# ---- run ---------------------------------------------------------------------------------------
declare -A V PHASE
phase() { local t; t=$(now); PHASE[$1]=$(echo "${PHASE[$1]:-0} + $t - $PHASE_START" | bc -l); PHASE_START=$t; }
PHASE_START=$(now)
for i in $(seq "$RUNS"); do
  g=$(ours_generator synthetic "$GEN_MIX"); V[gen_gbps]+=" $(echo "${g% *} / 1000000000" | bc -l)"; V[gen_mfps]+=" $(echo "${g#* } / 1000000" | bc -l)"
  g=$(ours_generator synthetic:size=64 "$GEN_64"); V[gen64_mfps]+=" $(echo "${g#* } / 1000000" | bc -l)"
  phase generator
  V[ours]+=" $(ours_stream 1)"; V[pipe]+=" $(pipe_stream)"; V[null]+=" $(null_stream 1)"; V[null1m]+=" $(null_stream 1 1m)"
  for k in 2 4 8; do
    V[ours$k]+=" $(ours_stream $k)"; V[tee$k]+=" $(tee_stream $k)"; V[null$k]+=" $(null_stream $k)"; V[null1m$k]+=" $(null_stream $k 1m)"
  done
  V[tee1]+=" $(tee_stream 1)"; phase "stream and fan-out"
  V[ours_get]+=" $(ours_get)"; baselines_get; phase "GET counting"
  V[tcpdump_get]+=" $(cat "$OUT/time.tcpdump")"; V[tshark_get]+=" $(cat "$OUT/time.tshark")"
  c1=$(cat "$OUT/count.ours"); c2=$(cat "$OUT/count.tcpdump"); c3=$(cat "$OUT/count.tshark")
  [ "$c1" = "$c2" ] && [ "$c1" = "$c3" ] || { echo "GET counts differ: pipesfs $c1, tcpdump $c2, tshark $c3" >&2; exit 1; }
  V[linked]+=" $(splice_run linked)"; V[sources]+=" $(splice_run sources)"
  [ "$(cat "$OUT/splice.bytes")" = "$(( $(cat "$OUT/splice.v4") + $(cat "$OUT/splice.v6") ))" ] \
    || { echo "spliced bytes differ from the two sources" >&2; exit 1; }
  phase splice
done
V[ours1]=${V[ours]}; V[null1]=${V[null]}; V[null1m1]=${V[null1m]}

CPU=$(awk -F: '/model name/ {gsub(/^ +/, "", $2); print $2; exit}' /proc/cpuinfo)
echo "## End-to-end benchmarks, $(date -u +%F), $(nproc) cores, $CPU, RUNS=$RUNS: bash examples/bench/run.sh"
echo
echo "### 0. The generator: the synthetic source (default tree) to one reader, cat all > /dev/null"
echo
echo "| source | value median (min–max) | ratio to target | target |"
echo "| --- | --- | --- | --- |"
row "synthetic, the default mix ($GEN_MIX frames), GB/s" "${V[gen_gbps]}" 1.25 "≥ 1.25 GB/s (10 GbE line rate)"
row "synthetic, the default mix, M frames/s" "${V[gen_mfps]}" 1 "—"
row "synthetic:size=64 ($GEN_64 frames of 64 bytes), M frames/s" "${V[gen64_mfps]}" 10 "≥ 10 M frames/s"
echo
echo "### 2. Stream throughput: $(( STREAM_BYTES / 1000000 )) MB of 1500-byte frames, lossless, GB/s"
echo
echo "| path | GB/s median (min–max) | ratio to kernel pipe | target |"
echo "| --- | --- | --- | --- |"
P=$(median_of "${V[pipe]}")
row "cat file \| cat > /dev/null (kernel pipe)" "${V[pipe]}" "$P" "baseline"
row "cat MOUNT/all > /dev/null (pipesfs)" "${V[ours]}" "$P" "≥ 1.0×"
row "cat on the C null FUSE filesystem (FUSE limit: libfuse 2, 128 KiB requests)" "${V[null]}" "$P" "—"
row "cat on the C null FUSE filesystem with 1 MiB requests, as pipesfs negotiates" "${V[null1m]}" "$P" "—"
N=$(median_of "${V[null]}"); NM=$(median_of "${V[null1m]}")
printf '\npipesfs reaches %.0f %% of the FUSE limit with 128 KiB requests, and %.2f× the null filesystem with 1 MiB requests (target ≥ 0.9×).\n' \
  "$(echo "100 * $(median_of "${V[ours]}") / $N" | bc -l)" "$(echo "$(median_of "${V[ours]}") / $NM" | bc -l)"
echo
echo "### 3. Fan-out: aggregate GB/s of N readers of one node, against tee into N pipes"
echo
echo "The C null filesystem read by the same N readers is the FUSE ceiling for fan-out here: as libfuse 2 mounts it"
echo "(128 KiB requests), and with 1 MiB requests as pipesfs negotiates."
echo
echo "| readers | pipesfs GB/s (min–max) | tee GB/s (min–max) | pipesfs / tee | target | null fs GB/s, 128 KiB / 1 MiB requests | null fs / tee, 128 KiB / 1 MiB |"
echo "| --- | --- | --- | --- | --- | --- | --- |"
for k in 1 2 4 8; do
  NK=$(median_of "${V[null$k]}"); NMK=$(median_of "${V[null1m$k]}")
  s=$(printf '%s\n' ${V[tee$k]} | summary); IFS='|' read -r T tlo thi <<<"$s"
  s=$(printf '%s\n' ${V[ours$k]} | summary); IFS='|' read -r med lo hi <<<"$s"
  printf '| %d | %.2f (%.2f–%.2f) | %.2f (%.2f–%.2f) | %.2f× | %s | %.2f / %.2f | %.2f× / %.2f× |\n' "$k" "$med" "$lo" "$hi" \
    "$T" "$tlo" "$thi" "$(echo "$med / $T" | bc -l)" \
    "$([ $k = 4 ] && echo '≥ 3×' || echo '—')" "$NK" "$NMK" "$(echo "$NK / $T" | bc -l)" "$(echo "$NMK / $T" | bc -l)"
done
echo
echo "### 4. Counting HTTP GET request lines in $(du -h "$WEB" | cut -f1) of synthetic web traffic ($(cat "$OUT/count.ours") GETs, all three agree), seconds"
echo
echo "| path | seconds median (min–max) | pipesfs speed-up | target |"
echo "| --- | --- | --- | --- |"
O=$(median_of "${V[ours_get]}")
srow() { local s; s=$(printf '%s\n' $2 | summary); IFS='|' read -r med lo hi <<<"$s"
  printf '| %s | %.2f (%.2f–%.2f) | %.2f× | %s |\n' "$1" "$med" "$lo" "$hi" "$(echo "$med / $O" | bc -l)" "$3"; }
srow "pipesfs: cat ip/tcp/http/get/all \| grep -ac '^GET ' (replay at speed=max)" "${V[ours_get]}" "1.00×"
srow "tcpdump -q -A with a BPF GET filter \| grep -ac 'GET /'" "${V[tcpdump_get]}" "pipesfs ≥ 2×"
srow "tshark -Y 'ip && http.request.method == \"GET\"'" "${V[tshark_get]}" "pipesfs ≥ 10×"
echo
echo "### 5. Splice: reading web/all (ln -s from ip/tcp/port=80 and ip6/tcp/port=80) against reading both sources, seconds"
echo
echo "| path | seconds median (min–max) | ratio (time of sources / time of splice) |"
echo "| --- | --- | --- |"
L=$(median_of "${V[linked]}")
s=$(printf '%s\n' ${V[linked]} | summary); IFS='|' read -r med lo hi <<<"$s"
printf '| cat web/all (one reader of the spliced node) | %.2f (%.2f–%.2f) | 1.00× |\n' "$med" "$lo" "$hi"
s=$(printf '%s\n' ${V[sources]} | summary); IFS='|' read -r med lo hi <<<"$s"
printf '| cat ip/tcp/port=80/all and cat ip6/tcp/port=80/all together | %.2f (%.2f–%.2f) | %.2f× |\n' "$med" "$lo" "$hi" "$(echo "$med / $L" | bc -l)"
if [[ $SKIP != *live* ]]; then
echo
echo "### 1. Live capture (examples/bench/nic.sh, live part)"
PHASE_START=$(now)
NIC_PARTS=live RUNS="$RUNS" bash examples/bench/nic.sh | sed -n '/live capture/,$p'
phase "live capture"
fi
if [[ $SKIP != *jmh* ]]; then
PHASE_START=$(now)
echo
JMH_ARGS="-f 1 -wi 1 -i 5 -w 200ms -r 200ms"  # short: the script stays under 10 minutes
echo "### 6. In-process (JMH, \`$JMH_ARGS\`)"
echo
( mvn -q -o -Pjmh -pl buffers,examples -am package -DskipTests >/dev/null 2>&1 || mvn -q -Pjmh -pl buffers,examples -am package -DskipTests >/dev/null )
echo '```'
java -jar buffers/target/benchmarks.jar $JMH_ARGS 2>/dev/null | sed -n '/^Benchmark/,$p'
java -jar examples/target/benchmarks.jar $JMH_ARGS 2>/dev/null | sed -n '/^Benchmark/,$p'
echo '```'
phase JMH
fi
echo
printf 'run.sh took %.1f minutes:' "$(echo "($(now) - $STARTED) / 60" | bc -l)"
for p in generator "stream and fan-out" "GET counting" splice "live capture" JMH; do
  [ -n "${PHASE[$p]:-}" ] && printf ' %s %.1f,' "$p" "$(echo "${PHASE[$p]} / 60" | bc -l)"
done
echo ' minutes; the rest builds inputs and prints.'
