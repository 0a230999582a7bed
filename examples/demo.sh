#!/usr/bin/env bash
# ./pipesfs demo: mount PipesFS on a temporary directory with the embedded synthetic source,
# read it with cat, grep and tcpdump, and unmount. Exits non-zero if any step fails.
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PIPESFS="$REPO/pipesfs"
MNT="$(mktemp -d "${TMPDIR:-/tmp}/pipesfs-demo.XXXXXX")"

cleanup() {
  if grep -qs " $MNT fuse" /proc/mounts; then "$PIPESFS" umount "$MNT" || fusermount -u -z "$MNT"; fi
  rmdir "$MNT" 2>/dev/null || true
}
trap cleanup EXIT

show() { printf '\n\033[1m$ %s\033[0m\n' "$*"; bash -c "$*"; }

cd "$REPO"
show "./pipesfs mount $MNT"                                          # returns once the mount is ready
show "ls -lA $MNT"
show "find $MNT -maxdepth 3 -type d | sort"                          # the default tree: every directory a filter
show "head -c 256 $MNT/all | od -A d -t x1 | head -4"                # raw frames, as the NIC sees them
show "timeout 10 cat $MNT/ip/tcp/http/get/all | grep -a -o -m 5 'Host: [a-z.]*'"   # grep HTTP GET requests live
show "timeout 10 cat $MNT/ip/udp/dns/all.pcap | tcpdump -nn -r - -c 5 2>/dev/null"  # any node as pcap for tcpdump
show "mkdir $MNT/ip/tcp/inspect && timeout 10 cat $MNT/ip/tcp/inspect/all | grep -m 3 'Flags \\[S\\]'"
show "mkdir $MNT/ip/tcp/port=80 $MNT/web && ln -s $MNT/ip/tcp/port=80 $MNT/web/plain && ls -l $MNT/web"
show "timeout 10 cat $MNT/web/all.pcap | tcpdump -nn -r - -c 5 2>/dev/null"         # the spliced stream
show "cat $MNT/ip/tcp/http/.stats"
show "./pipesfs umount $MNT"
grep -qs " $MNT fuse" /proc/mounts && { echo "demo: $MNT still mounted" >&2; exit 1; }

printf '\n\033[1m== the canonical scripts, as written, from examples/scripts ==\033[0m\n'
WORK="$(mktemp -d "${TMPDIR:-/tmp}/pipesfs-demo-work.XXXXXX")"
trap 'cleanup; rm -rf "$WORK"' EXIT
show "./pipesfs synth --count 5000 $WORK/capture.pcap"               # a capture to replay
show "cd $WORK && sh $REPO/examples/scripts/replay.sh capture.pcap $MNT && head -3 hosts.txt dns.txt"
show "./pipesfs umount $MNT && ./pipesfs mount --source pcap:$WORK/capture.pcap $MNT"
show "sh examples/scripts/scrub.sh $MNT | sort | uniq -c"            # grep's lines, written back and classified: no '..'
show "./pipesfs umount $MNT && ./pipesfs mount --source pcap:$WORK/capture.pcap $MNT"
show "sh examples/scripts/splice.sh $MNT 2>/dev/null | head -5"      # port 80 and 443 spliced into one stream
show "./pipesfs umount $MNT"
grep -qs " $MNT fuse" /proc/mounts && { echo "demo: $MNT still mounted" >&2; exit 1; }
echo
echo "demo: done, $MNT unmounted"
