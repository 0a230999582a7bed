#!/usr/bin/env bash
# Kafka export and import, each side by side with Kafka's own tool on one broker, in one run:
#   export: a kafka=TOPIC node at the root of a pcap replay, records/s from `.ctl start` until
#           Kafka has committed the last record (`acked`), against ProducerPerformance;
#   import: a kafka:TOPIC source, records/s from `.ctl start` until every record is in the
#           graph (root `packets`), against ConsumerPerformance's fetch rate: lossy with no
#           reader (the graph alone), and lossless with `cat all > /dev/null` reading.
# Both producers use the lossless settings of a kafka= node: acks=all, idempotence, 100 ms
# transactions, 256 KiB batches, linger 5 ms, lz4, 64 MiB of buffer, and 1,000 keys spread
# over the topic's 4 partitions. Both consumers read committed records, 512 per poll.
# Records are 100 and 1,000 bytes: our frames are UDP frames of that length whose payload is
# one string of letters, as ProducerPerformance's is. Prints a Markdown table of medians over
# RUNS runs (default 3), with min and max, and the ratio to the baseline.
# Run as root from the repository: bash examples/bench/kafka.sh
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
PIPESFS="$REPO/pipesfs"
OUT="${BENCH_DIR:-/dev/shm/pipesfs-bench}/kafka"
RUNS="${RUNS:-3}"
PORT="${KAFKA_PORT:-19092}"
BOOTSTRAP="127.0.0.1:$PORT"
declare -A RECORDS=([100]="${RECORDS_100:-5000000}" [1000]="${RECORDS_1000:-2000000}")
mkdir -p "$OUT"
cd "$REPO"
"$PIPESFS" --version >/dev/null # builds on first use
CP="$OUT/tools.classpath"
[ -s "$CP" ] || mvn -q -B dependency:build-classpath -pl examples -Pkafka-tools -Dmdep.outputFile="$CP" >&2
tool() { java -cp "$(cat "$CP")" "$@" 2>/dev/null; }

# ---- inputs: N UDP frames of exactly SIZE bytes, 1,000 flows ------------------------------------
for size in "${!RECORDS[@]}"; do
  f="$OUT/udp-$size-${RECORDS[$size]}.pcap"
  [ -s "$f" ] || python3 - "$f" "$size" "${RECORDS[$size]}" <<'PY'
import random, struct, sys
out, size, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
payload = bytes(random.Random(0).randrange(65, 91) for _ in range(size - 42))
with open(out, "wb") as f:
    f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
    for i in range(n):
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, size - 14, 0, 0x4000, 64, 17, 0, bytes([10, 0, 0, 1]), bytes([10, 0, 0, 2]))
        udp = struct.pack("!HHHH", 20000 + i % 1000, 9000, size - 34, 0)
        frame = b"\x02\x00\x00\x00\x00\x02\x02\x00\x00\x00\x00\x01\x08\x00" + ip + udp + payload
        f.write(struct.pack("<IIII", 1700000000 + i // 1000000, i % 1000000, size, size) + frame)
PY
done

# ---- the broker --------------------------------------------------------------------------------
rm -rf "$OUT/broker"
bash examples/kafka/dev-broker.sh "$OUT/broker" "$PORT" > "$OUT/broker.log" 2>&1 &
BROKER=$!
cleanup() {
  for d in "$OUT"/mnt.*; do [ -d "$d" ] && { fusermount -u -z "$d" 2>/dev/null || true; rmdir "$d" 2>/dev/null || true; }; done
  kill "$BROKER" 2>/dev/null || true; pkill -f "kafka.Kafka $OUT/broker" 2>/dev/null || true
  wait "$BROKER" 2>/dev/null || true
  rm -rf "$OUT/broker" # its topics, 13 GB after RUNS=5, are in memory when OUT is on /dev/shm
}
trap cleanup EXIT
for i in $(seq 300); do kcat -L -b "$BOOTSTRAP" -m 1 >/dev/null 2>&1 && break; sleep 0.2; done
kcat -L -b "$BOOTSTRAP" -m 5 >/dev/null || { echo "kafka.sh: the broker did not start: $(tail -5 "$OUT/broker.log")" >&2; exit 1; }
topic() { tool org.apache.kafka.tools.TopicCommand --bootstrap-server "$BOOTSTRAP" --create --topic "$1" --partitions 4 >/dev/null; }

# ---- helpers -----------------------------------------------------------------------------------
now() { date +%s.%N; }
stat_of() { awk -v k="$2" '$1 == k {print $2}' "$1/.stats"; }
summary() { sort -g | awk '{a[NR]=$1} END {printf "%s|%s|%s", a[int((NR+1)/2)], a[1], a[NR]}'; }
median_of() { printf '%s\n' $1 | summary | cut -d'|' -f1; }
# a mount compiles its hot paths in its first 3 s, before traffic; its timing starts after that
mnt() { local dir; dir=$(mktemp -d "$OUT/mnt.XXXX"); "$PIPESFS" mount --paused --log "$OUT/server.log" "$@" "$dir"; sleep 3; echo "$dir"; }
umnt() { "$PIPESFS" umount "$1" >/dev/null 2>&1 || fusermount -u -z "$1"; rmdir "$1" 2>/dev/null || true; }
# The wait for the end polls .stats every 10 ms without starting a process, so that it takes
# next to no CPU from the mount it measures (Kafka's tools are timed from within).
exec {NAP}<> <(:) # a pipe no one writes: read -t on it sleeps in the shell itself
stat_is() { local k v; while read -r k v; do [ "$k" = "$2" ] && { [ "$v" = "$3" ]; return; }; done < "$1/.stats"; return 1; }
await_stat() { # dir node key value: waits up to 5 min
  local i; for i in $(seq 30000); do stat_is "$1/$2" "$3" "$4" && return; read -r -t 0.01 -u "$NAP" || true; done
  echo "kafka.sh: $1/$2 never reached $3 $4: $(cat "$1/$2/.stats")" >&2; exit 1
}

PRODUCER="acks=all enable.idempotence=true max.in.flight.requests.per.connection=5 batch.size=262144 linger.ms=5
compression.type=lz4 buffer.memory=67108864"
ours_export() { # size run: records/s
  local n=${RECORDS[$1]} t=export-ours-$1-$2 dir t0 t1
  topic "$t"; dir=$(mnt --kafka "$BOOTSTRAP" --source "pcap:$OUT/udp-$1-$n.pcap")
  mkdir "$dir/kafka=$t"
  t0=$(now); echo start > "$dir/.ctl"; await_stat "$dir" "kafka=$t" acked "$n"; t1=$(now)
  umnt "$dir"; echo "$n / ($t1 - $t0)" | bc -l
}
kafka_export() { # size run: records/s, from ProducerPerformance's own summary
  local n=${RECORDS[$1]} t=export-kafka-$1-$2
  topic "$t"
  # shellcheck disable=SC2086
  tool org.apache.kafka.tools.ProducerPerformance --bootstrap-server "$BOOTSTRAP" --topic "$t" --num-records "$n" \
    --record-size "$1" --throughput -1 --key-distribution range --record-key-range 1000 \
    --transactional-id "bench-$t" --transaction-duration-ms 100 --command-property $PRODUCER \
    | awk '/records sent/ {v = $4} END {print v}'
}
ours_import() { # size run lossy|lossless: records/s of the topic ours_export wrote
  local n=${RECORDS[$1]} t=export-ours-$1-$2 dir t0 t1 pid=
  dir=$(mnt --policy "$3" --kafka "$BOOTSTRAP" --source "kafka:$t")
  # lossless waits for a reader; lossy with none measures the graph alone. A lossless source
  # starts 0.3 s after the last reader opened (for others to join); that wait, like
  # ConsumerPerformance's group join, is not timed.
  if [ "$3" = lossless ]; then cat "$dir/all" > /dev/null & pid=$!; await_stat "$dir" "" readers 1; sleep 0.4; fi
  t0=$(now); echo start > "$dir/.ctl"; await_stat "$dir" "" packets "$n"; t1=$(now)
  [ "$3" = lossy ] && [ "$(stat_of "$dir" dropped)" != 0 ] && { echo "kafka.sh: lossy import dropped" >&2; exit 1; }
  umnt "$dir"; [ -z "$pid" ] || wait "$pid"; echo "$n / ($t1 - $t0)" | bc -l
}
kafka_import() { # size run: ConsumerPerformance's fetch.nMsg.sec (its group's join excluded)
  local n=${RECORDS[$1]} t=export-ours-$1-$2
  tool org.apache.kafka.tools.ConsumerPerformance --bootstrap-server "$BOOTSTRAP" --topic "$t" --num-records "$n" \
    --group "bench-$t" --hide-header --command-property isolation.level=read_committed max.poll.records=512 \
    | awk -F', *' 'NF >= 10 {v = $10} END {print v}'
}

# ---- run ---------------------------------------------------------------------------------------
declare -A V
for run in $(seq "$RUNS"); do
  for size in 100 1000; do
    V[ke$size]+=" $(kafka_export $size $run)"; V[oe$size]+=" $(ours_export $size $run)"
    V[ki$size]+=" $(kafka_import $size $run)"; V[oi$size]+=" $(ours_import $size $run lossy)"
    V[or$size]+=" $(ours_import $size $run lossless)"
  done
done

CPU=$(awk -F: '/model name/ {gsub(/^ +/, "", $2); print $2; exit}' /proc/cpuinfo)
echo "## Kafka export and import, $(date -u +%F), $(nproc) cores, $CPU, RUNS=$RUNS: bash examples/bench/kafka.sh"
echo
echo "| | record | ours, M records/s | Kafka's tool, M records/s | ratio |"
echo "|---|---|---|---|---|"
cell() { local s med lo hi; s=$(printf '%s\n' $1 | summary); IFS='|' read -r med lo hi <<<"$s"
  printf '%.3f (%.3f–%.3f)' "$(echo "$med / 1000000" | bc -l)" "$(echo "$lo / 1000000" | bc -l)" "$(echo "$hi / 1000000" | bc -l)"; }
for size in 100 1000; do
  printf '| export vs ProducerPerformance | %s B | %s | %s | %.2f× |\n' "$size" "$(cell "${V[oe$size]}")" "$(cell "${V[ke$size]}")" \
    "$(echo "$(median_of "${V[oe$size]}") / $(median_of "${V[ke$size]}")" | bc -l)"
done
for size in 100 1000; do
  printf '| import into the graph (lossy, no reader) vs ConsumerPerformance | %s B | %s | %s | %.2f× |\n' "$size" \
    "$(cell "${V[oi$size]}")" "$(cell "${V[ki$size]}")" "$(echo "$(median_of "${V[oi$size]}") / $(median_of "${V[ki$size]}")" | bc -l)"
  printf '| import to cat all (lossless) vs ConsumerPerformance | %s B | %s | %s | %.2f× |\n' "$size" \
    "$(cell "${V[or$size]}")" "$(cell "${V[ki$size]}")" "$(echo "$(median_of "${V[or$size]}") / $(median_of "${V[ki$size]}")" | bc -l)"
done
