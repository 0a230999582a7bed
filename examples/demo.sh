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
show "head -c 256 $MNT/all | od -A d -t x1 | head -4"                # raw frames, as the NIC sees them
show "timeout 10 cat $MNT/all | grep -a -o -m 5 'Host: [a-z.]*'"      # grep a live packet stream
show "timeout 10 cat $MNT/all.pcap | tcpdump -nn -r - -c 8 2>/dev/null"   # the same stream as pcap
show "cat $MNT/.stats"
show "./pipesfs umount $MNT"
grep -qs " $MNT fuse" /proc/mounts && { echo "demo: $MNT still mounted" >&2; exit 1; }
echo
echo "demo: done, $MNT unmounted"
